"""Why a query was refused: malformed (AWS refuses it too) or beyond what is evaluated here."""


class QueryError(Exception):
    """A query that cannot be answered truthfully."""


class QuerySyntaxError(QueryError):
    """The text is not a query: AWS answers ``MalformedQueryException``."""

    def __init__(self, message: str, position: int | None = None) -> None:
        where = f" at character {position}" if position is not None else ""
        super().__init__(f"{message}{where}")
        self.position = position


class UnsupportedQueryError(QueryError):
    """Valid on AWS, not evaluated by this harness: the query ends ``Failed`` instead of lying."""
