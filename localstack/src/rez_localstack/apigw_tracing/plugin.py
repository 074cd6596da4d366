"""The ``on_infra_start`` hook that puts the sampling handler into execute-api's chain.

``handlers.preprocess_request`` is the documented extension point of LocalStack's REST API
invocation chain (see ``RestApiGateway``'s docstring). It runs after ``parse_request`` (which sets
``context.trace_id``) and routing, and before the integration request copies ``context.trace_id``
into the integration's ``X-Amzn-Trace-Id``. The handler goes *first* in it, so the decision is made
before anything else the stage does for the request (a Lambda authorizer, appended there too).
"""

from localstack.runtime import hooks


@hooks.on_infra_start()
def register_apigw_xray_sampling() -> None:
    """Insert :class:`XRaySamplingHandler` once, at the front of ``preprocess_request``."""
    from localstack.services.apigateway.next_gen.execute_api import handlers

    from rez_localstack.apigw_tracing.handler import XRaySamplingHandler
    from rez_localstack.apigw_tracing.stage_segment import (
        StageSegmentHandler,
        patch_response_recording,
    )

    chain = handlers.preprocess_request
    if not any(isinstance(handler, XRaySamplingHandler) for handler in chain.handlers):
        chain.handlers.insert(0, XRaySamplingHandler())
    # Right after the decision: the stage segment of a sampled request (stage_segment.py).
    if not any(isinstance(handler, StageSegmentHandler) for handler in chain.handlers):
        sampling = next(
            i
            for i, handler in enumerate(chain.handlers)
            if isinstance(handler, XRaySamplingHandler)
        )
        chain.handlers.insert(sampling + 1, StageSegmentHandler())
    patch_response_recording()
