"""The ``on_infra_start`` hook: the fault handler into the AWS chain, the control API routes.

``handlers.serve_custom_service_request_handlers`` is LocalStack's extension point of the AWS
request chain (a ``CompositeHandler`` run after ``parse_service_request``, before the service's
provider): service, operation and parsed request are known, nothing has been done yet.
"""

from localstack.runtime import hooks

_state: dict[str, object] = {}


@hooks.on_infra_start()
def register_fault_injection() -> None:
    """Append :class:`FaultInjectionHandler` once and expose ``/_rez/faults``."""
    from localstack.aws import handlers
    from localstack.services.edge import ROUTER

    from rez_localstack.faults.endpoint import (
        CRASH_PATH,
        RULE_PATH,
        RULES_PATH,
        FaultEndpoints,
    )
    from rez_localstack.faults.handler import FaultInjectionHandler
    from rez_localstack.faults.rules import FaultStore

    chain = handlers.serve_custom_service_request_handlers
    if any(isinstance(handler, FaultInjectionHandler) for handler in chain.handlers):
        return
    store = FaultStore()
    chain.append(FaultInjectionHandler(store))
    endpoints = FaultEndpoints(store)
    ROUTER.add(CRASH_PATH, endpoint=endpoints.crash_points, methods=["GET", "POST", "DELETE"])
    ROUTER.add(RULES_PATH, endpoint=endpoints.rules, methods=["GET", "POST", "DELETE"])
    ROUTER.add(RULE_PATH, endpoint=endpoints.rule, methods=["DELETE"])
    _state["store"] = store
