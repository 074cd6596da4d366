"""Writes a directory as a byte-for-byte reproducible zip."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

# Zip timestamps cannot be earlier than 1980; a fixed one makes rebuilds identical.
FIXED_DATE_TIME = (1980, 1, 1, 0, 0, 0)


def write_reproducible_zip(source: Path, destination: Path) -> int:
    """Zip every file under `source` in sorted order with fixed metadata; return unzipped bytes."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    files = sorted((p for p in source.rglob("*") if p.is_file()), key=lambda p: p.as_posix())
    total = 0
    tmp = destination.with_suffix(destination.suffix + ".tmp")
    with zipfile.ZipFile(tmp, "w") as archive:
        for path in files:
            relative = path.relative_to(source).as_posix()
            info = zipfile.ZipInfo(relative, date_time=FIXED_DATE_TIME)
            executable = os.access(path, os.X_OK)
            info.external_attr = ((0o100755 if executable else 0o100644) & 0xFFFF) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            data = path.read_bytes()
            total += len(data)
            archive.writestr(info, data, compresslevel=9)
    tmp.replace(destination)
    return total
