"""Web API Lambda: the REST API behind API Gateway (proxy integration).

`handler.handler` is the entry point. Requests are parsed in `http`, routed by the table in
`routes`, validated in `validation`, served by the use cases in `service`; every error answer is
an RFC 9457 problem (`problems`). `openapi.yaml` beside the package documents the same API.
"""

__all__: list[str] = []
