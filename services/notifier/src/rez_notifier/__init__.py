"""Notification service Lambda: posts a message to ntfy behind retry, rate limit and breaker.

Entry point: `rez_notifier.handler.handler`. Modules: `request` (the invoke payload),
`publication` (message → ntfy request), `ntfy_client` (one POST), `rate_limit` (shared token
bucket), `ntfy_token` (Secrets Manager), `message_store`, `service` (the use case),
`bootstrap` (wiring), `config` (environment).
"""
