"""Typed errors of the gateway: the AWS error code, its message, and what to do next."""

from __future__ import annotations

from typing import ClassVar

# What a person can do about each error, shown under the service's own message.
_HINTS: dict[str, str] = {
    "ResourceNotFoundException": "Check the id: the pool or identity may have been deleted or be in another region.",
    "NotAuthorizedException": "The service refused the call: check the logins, the pool's providers and the console's IAM permissions.",
    "AccessDeniedException": "The console's AWS credentials lack this permission; add it to the IAM policy in docs/aws.md.",
    "InvalidParameterException": "Correct the highlighted input and try again.",
    "ValidationException": "Correct the highlighted input and try again.",
    "ResourceConflictException": "The resource changed or is linked elsewhere; reload the page and review it.",
    "ConcurrentModificationException": "Someone else changed this pool at the same time; reload and try again.",
    "LimitExceededException": "An AWS limit was reached; remove unused items or ask AWS for a higher quota.",
    "TooManyRequestsException": "Cognito is throttling requests; wait a few seconds and retry.",
    "ConsoleRateLimited": "The console paces its calls to stay under the account's quota and a bulk job may be using it; retry in a few seconds.",
    "InvalidIdentityPoolConfigurationException": "Assign IAM roles to the pool (authenticated and unauthenticated) and check their trust policies.",
    "DeveloperUserAlreadyRegisteredException": "That developer user id belongs to another identity; look it up first.",
    "ExternalServiceException": "An identity provider did not answer; retry later.",
    "InternalErrorException": "Cognito had an internal error; retry in a moment.",
    "EndpointUnavailable": "The Cognito endpoint did not answer; check COGNITO_ENDPOINT and the network.",
    "NoCredentials": "No AWS credentials were found; configure them as described in docs/aws.md.",
}


class CognitoError(Exception):
    """A failed Cognito call, with the service's code and message."""

    default_code: ClassVar[str] = "Unknown"

    def __init__(self, message: str, *, code: str | None = None, operation: str = "") -> None:
        super().__init__(message)
        self.code = code or self.default_code
        self.message = message
        self.operation = operation

    @property
    def hint(self) -> str:
        """What the person at the console can do next."""
        return _HINTS.get(self.code, "Retry, and if it keeps failing check the audit trail and the logs.")

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


class NotFound(CognitoError):
    default_code = "ResourceNotFoundException"


class NotAuthorized(CognitoError):
    default_code = "NotAuthorizedException"


class InvalidInput(CognitoError):
    """InvalidParameterException and ValidationException: the request itself was wrong."""

    default_code = "InvalidParameterException"


class Conflict(CognitoError):
    default_code = "ResourceConflictException"


class LimitExceeded(CognitoError):
    default_code = "LimitExceededException"


class Throttled(CognitoError):
    default_code = "TooManyRequestsException"


class RateLimited(Throttled):
    """The console's own shared limiter refused to wait that long (no call was made)."""

    default_code = "ConsoleRateLimited"

    def __init__(self, message: str, *, retry_after: float = 1.0, **kwargs: str) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after  # seconds until the turn it would have waited for


class Unavailable(CognitoError):
    """The endpoint could not be reached, or answered with a server error."""

    default_code = "EndpointUnavailable"


class CredentialsMissing(CognitoError):
    default_code = "NoCredentials"


_BY_CODE: dict[str, type[CognitoError]] = {
    "ResourceNotFoundException": NotFound,
    "NotAuthorizedException": NotAuthorized,
    "AccessDeniedException": NotAuthorized,
    "UnrecognizedClientException": NotAuthorized,
    "InvalidSignatureException": NotAuthorized,
    "MissingAuthenticationTokenException": NotAuthorized,
    "InvalidParameterException": InvalidInput,
    "ValidationException": InvalidInput,
    "SerializationException": InvalidInput,
    "ResourceConflictException": Conflict,
    "ConcurrentModificationException": Conflict,
    "DeveloperUserAlreadyRegisteredException": Conflict,
    "LimitExceededException": LimitExceeded,
    "TooManyRequestsException": Throttled,
    "InternalErrorException": Unavailable,
    "ExternalServiceException": Unavailable,
}


def error_for_code(code: str, message: str, operation: str = "") -> CognitoError:
    """The typed error for an AWS error code (unknown codes get the base class)."""
    return _BY_CODE.get(code, CognitoError)(message, code=code, operation=operation)
