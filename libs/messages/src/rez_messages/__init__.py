"""The rez_agent message: model and status machine, repository, publication format, config.

Import the DynamoDB adapter from `rez_messages.dynamodb` (it imports botocore), the producers'
use case from `rez_messages.creation`, the processor ↔ notifier contract from
`rez_messages.notification` and the producers' settings from `rez_messages.config`.
"""

from rez_messages.exceptions import (
    ConfigurationError,
    IdempotencyConflictError,
    InvalidCursorError,
    InvalidDeliveryError,
    InvalidPayloadError,
    InvalidStatusTransitionError,
    MessageAlreadyExistsError,
    MessageError,
    MessageNotFoundError,
    StatusConflictError,
)
from rez_messages.memory import InMemoryMessageRepository
from rez_messages.model import Message, MessageStatus, MessageType, Payload, new_message
from rez_messages.publishing import (
    Delivery,
    InMemoryPublisher,
    MessagePublisher,
    SNSMessagePublisher,
    parse_delivery,
)
from rez_messages.repository import IdempotentCreate, MessageRepository, Page

__all__ = [
    "ConfigurationError",
    "Delivery",
    "IdempotencyConflictError",
    "IdempotentCreate",
    "InMemoryMessageRepository",
    "InMemoryPublisher",
    "InvalidCursorError",
    "InvalidDeliveryError",
    "InvalidPayloadError",
    "InvalidStatusTransitionError",
    "Message",
    "MessageAlreadyExistsError",
    "MessageError",
    "MessageNotFoundError",
    "MessagePublisher",
    "MessageRepository",
    "MessageStatus",
    "MessageType",
    "Page",
    "Payload",
    "SNSMessagePublisher",
    "StatusConflictError",
    "new_message",
    "parse_delivery",
]
