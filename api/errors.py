"""Errors: expected failures of use cases (`UserError`) and access failures (top-level GraphQL errors).

Use cases raise `UserError`/`UserErrors`; the shared mutation wrapper turns them into the
payload's `errors`. `Unauthenticated`/`Forbidden` become top-level errors with
`extensions.code`, which clients switch on.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from graphql import GraphQLError


class ErrorCode(StrEnum):
    """Why a mutation refused its input. Clients switch on these; the wording may change."""

    INVALID = "INVALID"
    REQUIRED = "REQUIRED"
    TOO_LONG = "TOO_LONG"
    OUT_OF_RANGE = "OUT_OF_RANGE"
    NOT_FOUND = "NOT_FOUND"
    DUPLICATE = "DUPLICATE"
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    THROTTLED = "THROTTLED"
    PASSWORD_TOO_WEAK = "PASSWORD_TOO_WEAK"
    INVALID_TRANSITION = "INVALID_TRANSITION"
    NOT_ALLOWED = "NOT_ALLOWED"
    INSUFFICIENT_POINTS = "INSUFFICIENT_POINTS"
    OUT_OF_STOCK = "OUT_OF_STOCK"
    CAPACITY_REACHED = "CAPACITY_REACHED"
    ALREADY_DONE = "ALREADY_DONE"
    ALREADY_TAKEN = "ALREADY_TAKEN"
    CONFLICT = "CONFLICT"
    LIMIT_REACHED = "LIMIT_REACHED"
    UNSUPPORTED_MEDIA_TYPE = "UNSUPPORTED_MEDIA_TYPE"
    FILE_TOO_LARGE = "FILE_TOO_LARGE"
    TOO_MANY_FILES = "TOO_MANY_FILES"
    EXPIRED = "EXPIRED"


class UserError(Exception):
    """One expected failure, about one input field (or none)."""

    def __init__(self, code: ErrorCode, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field

    def __repr__(self) -> str:
        return f"UserError({self.code}, {self.message!r}, field={self.field!r})"


class UserErrors(Exception):
    """Several expected failures found together (e.g. validating a whole input)."""

    def __init__(self, errors: Iterable[UserError]) -> None:
        self.errors = list(errors)
        super().__init__("; ".join(e.message for e in self.errors))


class Validator:
    """Collects input errors so a use case reports all of them at once, then raises."""

    def __init__(self) -> None:
        self.errors: list[UserError] = []

    def add(self, code: ErrorCode, message: str, field: str | None = None) -> None:
        self.errors.append(UserError(code, message, field))

    def text(self, field: str, value: str | None, *, max_length: int, required: bool = True) -> str | None:
        """Trimmed text, checked for presence and length."""
        if value is None or not value.strip():
            if required:
                self.add(ErrorCode.REQUIRED, f"{field} is required", field)
            return None
        value = value.strip()
        if len(value) > max_length:
            self.add(ErrorCode.TOO_LONG, f"{field} is longer than {max_length} characters", field)
        return value

    def phone(self, field: str, value: str | None) -> str | None:
        """A phone number with 6 to 15 digits (an optional leading '+'), spaces and dashes removed."""
        if value is None or not value.strip():
            return None
        digits = value.strip().replace(" ", "").replace("-", "")
        if not (digits.lstrip("+").isdigit() and 6 <= len(digits.lstrip("+")) <= 15):
            self.add(ErrorCode.INVALID, f"{field} has 6 to 15 digits.", field)
        return digits

    def point(self, field: str, lat: float | None, lng: float | None) -> None:
        """Both or neither coordinate, within range (WGS-84 degrees)."""
        if lat is None and lng is None:
            return
        self.check(
            lat is not None and lng is not None and -90 <= lat <= 90 and -180 <= lng <= 180,
            ErrorCode.OUT_OF_RANGE,
            "A location has a latitude within ±90 and a longitude within ±180 degrees.",
            field,
        )

    def check(self, ok: bool, code: ErrorCode, message: str, field: str | None = None) -> bool:
        if not ok:
            self.add(code, message, field)
        return ok

    def raise_if_any(self) -> None:
        if self.errors:
            raise UserErrors(self.errors)


class Unauthenticated(GraphQLError):
    def __init__(self, message: str = "Log in to do this.") -> None:
        super().__init__(message, extensions={"code": "UNAUTHENTICATED"})


class Forbidden(GraphQLError):
    def __init__(self, message: str = "You are not allowed to do this.") -> None:
        super().__init__(message, extensions={"code": "FORBIDDEN"})


class BadInput(GraphQLError):
    """A malformed argument that is not a mutation input (e.g. `first` over the cap, a bad cursor)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, extensions={"code": "BAD_USER_INPUT"})
