"""Scheduler Lambda: turns an EventBridge Scheduler firing into a `scheduled_hello` message."""
