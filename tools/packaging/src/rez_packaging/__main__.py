"""`python -m rez_packaging --all | --service NAME --out build`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rez_packaging.builder import build_service
from rez_packaging.limits import PackageTooLargeError, human


def find_workspace(start: Path) -> Path:
    """The nearest directory with a `uv.lock` and a `services/` folder."""
    for candidate in (start, *start.parents):
        if (candidate / "uv.lock").is_file() and (candidate / "services").is_dir():
            return candidate
    raise SystemExit(f"no uv workspace with services/ above {start}")


def main(argv: list[str] | None = None) -> int:
    """Build the requested zips and print one line per zip."""
    parser = argparse.ArgumentParser(prog="rez_packaging", description=__doc__)
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--service", help="the folder name under services/, e.g. web-api")
    which.add_argument("--all", action="store_true", help="every package under services/")
    parser.add_argument("--out", default="build", help="output folder (default: build)")
    parser.add_argument("--offline", action="store_true", help="use only uv's cache")
    args = parser.parse_args(argv)

    workspace = find_workspace(Path.cwd())
    services = (
        sorted(p.parent.name for p in (workspace / "services").glob("*/pyproject.toml"))
        if args.all
        else [args.service]
    )
    out_dir = (workspace / args.out).resolve()
    status = 0
    for service in services:
        try:
            result = build_service(workspace, service, out_dir, offline=args.offline)
        except (PackageTooLargeError, FileNotFoundError, RuntimeError) as error:
            print(f"error: {error}", file=sys.stderr)
            status = 1
            continue
        shown = (
            result.zip_path.relative_to(workspace)
            if result.zip_path.is_relative_to(workspace)
            else result.zip_path
        )
        print(
            f"{shown}: {human(result.zipped_bytes)} zipped, "
            f"{human(result.unzipped_bytes)} unzipped, {result.distributions} locked "
            f"distributions (runtime-provided, left out: "
            f"{', '.join(e.split('==')[0] for e in result.excluded) or 'none'})"
        )
    return status


if __name__ == "__main__":
    sys.exit(main())
