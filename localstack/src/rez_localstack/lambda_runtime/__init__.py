"""Host-process Lambda runtime: executor (LocalStack side) and bootstrap (function side)."""
