"""Domain and application errors; the APIs map them to HTTP status codes."""

from __future__ import annotations


class KimError(Exception):
    """Base of all errors this product raises on purpose."""


class CaseNotFoundError(KimError):
    """The case is unknown to this service (404)."""


class ConcurrentModificationError(KimError):
    """Someone else changed the case first (409)."""


class DomainRuleViolationError(KimError):
    """The command breaks an invariant of the case (409)."""


class ServiceUnavailableError(KimError):
    """A dependency is busy or down; the command was not stored and may be retried (503)."""


class InvalidFieldError(KimError):
    """A field names something that does not hold (422 naming the field, like any other invalid field)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
