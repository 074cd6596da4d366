"""A small real ntfy server for tests: ntfy's publish API, recording, and fault injection."""

from rez_localstack.mock_ntfy.server import MockNtfy

__all__ = ["MockNtfy"]
