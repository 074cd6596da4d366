"""X-Ray for the harness: sampling rules, traces, filter expressions, the service graph, and the
X-Ray endpoint functions send segments and OTLP spans to.

LocalStack's free edition has no X-Ray at all. This provider (``localstack.aws.provider``
``xray:rez``, chosen with ``PROVIDER_OVERRIDE_XRAY=rez``) serves sampling rules and the trace
operations (``PutTraceSegments``, ``GetTraceSummaries``, ``BatchGetTraces``,
``GetServiceGraph``) from its own stores; other operations fall through to moto. ``daemon``
listens on UDP for functions (``AWS_XRAY_DAEMON_ADDRESS``), ``lambda_tracing`` records Lambda's
own segments and sets ``_X_AMZN_TRACE_ID``.
``sampling`` decides ``Sampled`` from the stored rules for services that sample for themselves
(API Gateway stages with tracing, ``rez_localstack.apigw_tracing``).
"""
