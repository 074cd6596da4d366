"""rez_localstack: LocalStack's runtime made to work here without Docker.

Plugins (registered through LocalStack's own entry points, see ``plugins.py``):

- ``dynamodb:rez_moto`` - DynamoDB served by the moto LocalStack ships (no DynamoDB Local jar).
- ``rez_host`` - a Lambda runtime executor that runs Python zip functions as host processes.

Tools: ``launcher`` (``up``/``down``/``status``) and ``mock_ntfy`` (a faithful fake ntfy server).
"""

__all__: list[str] = []
