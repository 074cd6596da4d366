"""The package surface: names, lazy heavy attributes, no heavy SDK at import."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import rez_telemetry


def test_all_names_the_public_api():
    assert {"logger", "lambda_handler", "correlation", "metrics", "tracer"} <= set(
        rez_telemetry.__all__
    )


def test_importing_the_package_loads_no_heavy_sdk():
    # GIVEN a fresh interpreter
    code = (
        "import sys, json, rez_telemetry;"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('boto3', 'botocore', 'opentelemetry', 'aws_xray_sdk', 'rez_telemetry'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = json.loads(out.stdout)
    # THEN neither AWS nor tracing SDKs, nor the metrics/tracing packages, were imported
    assert not [m for m in loaded if not m.startswith("rez_telemetry")]
    assert "rez_telemetry.metrics" not in loaded
    assert "rez_telemetry.tracing" not in loaded


def test_unknown_attributes_raise_attribute_error():
    with pytest.raises(AttributeError, match="no_such_thing"):
        rez_telemetry.no_such_thing  # noqa: B018


def test_metrics_is_the_metrics_package_whatever_was_imported_first():
    # GIVEN a fresh interpreter that imports a metrics submodule before the package attribute
    code = (
        "import rez_telemetry.metrics.recorder, rez_telemetry;"
        "from rez_telemetry import metrics;"
        "import rez_telemetry.metrics as package;"
        "print(metrics is package, callable(metrics.record_count),"
        " metrics.record_count.__self__ is metrics.shared)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    # THEN `rez_telemetry.metrics` is one thing, the package; its functions use the shared recorder
    assert out.stdout.split() == ["True", "True", "True"]


def test_the_package_never_swaps_its_module_class():
    # GIVEN the package as imported
    # THEN it is a plain module (no subclass keeps names apart: the names are distinct)
    assert type(rez_telemetry) is type(sys)
