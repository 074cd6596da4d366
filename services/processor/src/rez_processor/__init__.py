"""Message processor Lambda: SQS consumer driving each message to `completed` or `failed`."""
