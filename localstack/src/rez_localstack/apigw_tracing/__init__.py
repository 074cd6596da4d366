"""API Gateway (REST) stages with X-Ray tracing make their own sampling decision, as on AWS.

LocalStack gives a request without ``X-Amzn-Trace-Id`` a fresh header with ``Sampled=0`` whatever
the stage's ``tracingEnabled`` says (``InvocationRequestParser.populate_trace_id``). On AWS a stage
with tracing enabled decides with the account's X-Ray sampling rules. A handler placed first in the
execute-api chain's ``preprocess_request`` (by an ``on_infra_start`` hook) makes that decision with
the rules our X-Ray provider stores and rewrites ``Sampled`` in the header the integration gets.
"""
