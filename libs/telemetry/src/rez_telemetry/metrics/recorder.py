"""`MetricsRecorder`: count and duration recording, buffered and flushed once.

Recording is cheap (aggregate into a dict); sending happens at `flush()`, which the handler
decorator calls at the end of every invocation through the lifecycle hook.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from rez_telemetry._lazy import lazy_module
from rez_telemetry.context import get_correlation_id
from rez_telemetry.metrics import cloudwatch_api, emf
from rez_telemetry.metrics.buffer import Dimensions, MetricBuffer, Series
from rez_telemetry.metrics.config import (
    Backend,
    resolve_backend,
    resolve_function_name,
    resolve_namespace,
    resolve_stage,
)
from rez_telemetry.metrics.names import (
    COLD_START,
    FUNCTION_NAME_DIMENSION,
    STAGE_DIMENSION,
    Unit,
)

if TYPE_CHECKING:
    import boto3
    from mypy_boto3_cloudwatch import CloudWatchClient
else:
    boto3 = lazy_module("boto3")  # only the `api` back end without an injected client needs it

DimensionValues = Mapping[str, object]
_DIMENSION_KEY_CACHE = 256


def _write_stdout(text: str) -> None:
    # Looked up at call time so that a redirected stdout (tests, the local runtime) is honoured.
    sys.stdout.write(text)
    sys.stdout.flush()


class MetricsRecorder:
    """Buffers metrics for one execution environment and sends them with the chosen back end.

    Every argument is optional; what is not given is read from the environment at first use
    (`METRICS_BACKEND`, `STAGE`). The CloudWatch client is created at the first `api` flush
    unless one is injected.
    """

    def __init__(
        self,
        *,
        namespace: str | None = None,
        stage: str | None = None,
        backend: Backend | None = None,
        client: CloudWatchClient | Any | None = None,
        write: Callable[[str], None] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._explicit_namespace = namespace
        self._namespace: str | None = None
        self._explicit_stage = stage
        self._explicit_backend: Backend | None = backend
        self._client = client
        self._write = write or _write_stdout
        self._clock = clock
        self._buffer = MetricBuffer()
        self._backend: Backend | None = None
        self._stage: str | None = None
        self._dimension_keys: dict[tuple[tuple[str, object], ...], Dimensions] = {}
        """Dimensions as given -> their sorted key with `Stage` (most calls repeat a few)."""

    # -- configuration -------------------------------------------------------------------

    def configure(
        self,
        *,
        namespace: str | None = None,
        stage: str | None = None,
        backend: Backend | None = None,
        client: CloudWatchClient | Any | None = None,
        write: Callable[[str], None] | None = None,
        clock: Callable[[], float] | None = None,
    ) -> MetricsRecorder:
        """Override settings of the shared recorder (bootstrap code, tests); returns self."""
        if namespace is not None:
            self._explicit_namespace = namespace
        if stage is not None:
            self._explicit_stage = stage
        if backend is not None:
            self._explicit_backend = backend
        if client is not None:
            self._client = client
        if write is not None:
            self._write = write
        if clock is not None:
            self._clock = clock
        self._backend = self._stage = self._namespace = None
        self._dimension_keys = {}
        return self

    def reset(self) -> None:
        """Forget explicit settings, the client and buffered values (tests)."""
        self._explicit_namespace = self._namespace = None
        self._explicit_stage = None
        self._explicit_backend = None
        self._client = None
        self._write = _write_stdout
        self._clock = time.time
        self._backend = self._stage = None
        self._dimension_keys = {}
        self._buffer.drain()

    @property
    def backend(self) -> Backend:
        """The back end in use (resolved once, at first use)."""
        if self._backend is None:
            self._backend = resolve_backend(self._explicit_backend)
        return self._backend

    @property
    def stage(self) -> str:
        """The value of the `Stage` dimension added to every metric."""
        if self._stage is None:
            self._stage = resolve_stage(self._explicit_stage)
        return self._stage

    @property
    def namespace(self) -> str:
        """CloudWatch namespace (`RezAgent` unless set or POWERTOOLS_METRICS_NAMESPACE says)."""
        if self._namespace is None:
            self._namespace = resolve_namespace(self._explicit_namespace)
        return self._namespace

    # -- recording -----------------------------------------------------------------------

    def record(
        self, name: str, value: float, unit: str, dimensions: DimensionValues | None = None
    ) -> None:
        """Buffer one value; `Stage` is always added to the dimensions."""
        if self.backend == "off":
            return
        self._buffer.add(
            name,
            float(value),
            unit,
            self._dimension_key(dimensions),
            get_correlation_id(),
            self._clock(),
        )

    def record_count(
        self, name: str, value: float = 1, dimensions: DimensionValues | None = None
    ) -> None:
        """Count something (`Count` unit)."""
        self.record(name, value, Unit.COUNT, dimensions)

    def record_duration(
        self, name: str, milliseconds: float, dimensions: DimensionValues | None = None
    ) -> None:
        """Record a duration in milliseconds (`Milliseconds` unit)."""
        self.record(name, milliseconds, Unit.MILLISECONDS, dimensions)

    @contextmanager
    def timer(self, name: str, dimensions: DimensionValues | None = None) -> Iterator[None]:
        """Record the duration of the `with` body, even when it raises."""
        started = time.perf_counter()
        try:
            yield
        finally:
            self.record_duration(name, (time.perf_counter() - started) * 1000.0, dimensions)

    def record_cold_start(self, function_name: str | None = None) -> None:
        """`ColdStart` = 1 with `function_name` (+ Stage), sent with the invocation's flush."""
        self.record_count(
            COLD_START, 1, {FUNCTION_NAME_DIMENSION: resolve_function_name(function_name)}
        )

    def _dimension_key(self, dimensions: DimensionValues | None) -> Dimensions:
        if not dimensions:
            return ((STAGE_DIMENSION, self.stage),)
        cache = self._dimension_keys
        given = tuple(dimensions.items())
        try:
            key = cache.get(given)
        except TypeError:  # an unhashable value: str() it below, uncached
            return self._sorted_key(given)
        if key is None:
            key = self._sorted_key(given)
            if len(cache) >= _DIMENSION_KEY_CACHE:
                cache.clear()
            cache[given] = key
        return key

    def _sorted_key(self, given: tuple[tuple[str, object], ...]) -> Dimensions:
        merged = {str(name): str(value) for name, value in given}
        merged[STAGE_DIMENSION] = self.stage
        return tuple(sorted(merged.items()))

    # -- flushing ------------------------------------------------------------------------

    def pending(self) -> list[Series]:
        """Series buffered and not yet flushed."""
        return self._buffer.snapshot()

    def flush(self) -> None:
        """Send everything buffered; the buffer is emptied even when sending fails.

        Raises what the back end raises (the lifecycle hook logs it and carries on).
        """
        series = self._buffer.drain()
        if not series:
            return
        backend = self.backend
        if backend == "emf":
            lines = emf.render_lines(series, self.namespace)
            self._write("\n".join(lines) + "\n")
        elif backend == "api":
            cloudwatch_api.put_metric_data(self._cloudwatch(), self.namespace, series)

    def _cloudwatch(self) -> CloudWatchClient | Any:
        if self._client is None:
            self._client = boto3.client("cloudwatch")
        return self._client
