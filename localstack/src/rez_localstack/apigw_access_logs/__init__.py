"""API Gateway (REST) access logs, written as AWS writes them for a stage's ``accessLogSettings``.

LocalStack stores a stage's ``accessLogSettings`` but writes nothing. Two handlers close that: one
first in execute-api's ``preprocess_request`` keeps the invocation context on the request, and one
in the gateway's custom response handlers renders the stage's ``format`` with the ``$context``
variables once the answer is known and puts the line into the destination log group.
"""
