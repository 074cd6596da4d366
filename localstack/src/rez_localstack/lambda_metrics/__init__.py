"""Lambda's own metrics (namespace ``AWS/Lambda``) that LocalStack does not publish.

LocalStack publishes ``Invocations`` and ``Errors`` per ``FunctionName`` (stamped late, see
``invocations.py``); AWS also publishes ``Duration`` (ms per invocation), ``Throttles`` and
``ConcurrentExecutions`` (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html).
"""
