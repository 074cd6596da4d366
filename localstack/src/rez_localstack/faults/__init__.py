"""Fault injection for the local AWS: AWS errors, latency and function crashes on demand.

A handler in LocalStack's AWS request chain (``handlers.serve_custom_service_request_handlers``,
after the request is parsed, before the service answers) matches each request against the
rules set through ``/_rez/faults`` and either delays it or raises the rule's error as a
``CommonServiceException``, which LocalStack's own exception serializer renders in the
service's wire protocol (JSON for DynamoDB/Lambda, query/XML or JSON for SQS, XML for SNS).
Crash points (``/_rez/faults/crash``) kill a function's runtime process at a named point of
its handler; see ``crash.py``.
"""
