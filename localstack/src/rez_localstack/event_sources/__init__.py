"""Lambda event source mappings as AWS runs them (SQS pollers long-poll)."""
