"""A minimal X-Ray service: sampling rules here, traces from moto.

LocalStack's free edition has no X-Ray at all. This provider (``localstack.aws.provider``
``xray:rez``, chosen with ``PROVIDER_OVERRIDE_XRAY=rez``) serves the sampling-rule operations
itself and hands the trace operations (``PutTraceSegments``, ``GetTraceSummaries``,
``BatchGetTraces``) to moto's X-Ray backend through LocalStack's ``MotoFallbackDispatcher``.
``sampling`` decides ``Sampled`` from the stored rules for services that sample for themselves
(API Gateway stages with tracing, ``rez_localstack.apigw_tracing``).
"""
