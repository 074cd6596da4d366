"""PartiQL through moto's experimental parser, answered in DynamoDB's shapes, never a 500.

moto parses PartiQL with ``py-partiql-parser`` and fails on parts of the language with Python
exceptions, which LocalStack turned into ``500 InternalError``. DynamoDB answers a statement it
cannot process with ``ValidationException`` (ExecuteStatement) or, inside a batch, with that
statement's own ``Error`` while the others run: "the response contains one entry per statement;
an error in one statement does not fail the batch".
https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchExecuteStatement.html
https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchStatementError.html
"""

from __future__ import annotations

import logging
from typing import Any

from localstack.aws.api import CommonServiceException, ServiceException
from moto.core.exceptions import JsonRESTError

LOG = logging.getLogger(__name__)

#: What this harness says when moto's parser gives up (DynamoDB's wording for a bad statement).
NOT_PROCESSED = "Statement wasn't well formed, can't be processed"


def not_processed(error: Exception) -> CommonServiceException:
    LOG.info("PartiQL statement not processed by moto: %r", error)
    return CommonServiceException(
        "ValidationException", f"{NOT_PROCESSED}: {type(error).__name__}: {error}"
    )


def batch_execute_statement(request: dict[str, Any], backend: Any) -> dict[str, Any]:
    """One response per statement, each run on its own so one failure stays its own."""
    statements = request.get("Statements") or []
    if not 1 <= len(statements) <= 25:
        # API_BatchExecuteStatement: Statements, "Array Members: Minimum 1, Maximum 25".
        raise CommonServiceException(
            "ValidationException",
            f"1 validation error detected: Value at 'statements' failed to satisfy constraint: "
            f"Member must have length less than or equal to 25 (got {len(statements)})",
        )
    responses: list[dict[str, Any]] = []
    for statement in statements:
        try:
            answer = backend.batch_execute_statement([statement])[0]
        except ServiceException as error:
            answer = {"Error": {"Code": _code(error.code), "Message": error.message}}
        except JsonRESTError as error:  # moto's own errors
            answer = {"Error": {"Code": _code(error.error_type), "Message": error.message}}
        except Exception as error:
            answer = {"Error": {"Code": "ValidationError", "Message": str(not_processed(error))}}
        responses.append(answer)
    return {"Responses": responses}


def _code(code: str) -> str:
    # BatchStatementError codes drop the "Exception" suffix: ConditionalCheckFailed, ...
    return code.removesuffix("Exception")
