"""Errors the embedded service answers with, named and worded as AWS does."""

from __future__ import annotations


class AwsError(Exception):
    """An error answered on the wire as `{"__type": code, "message": message}`."""

    code = "InternalErrorException"
    status = 400

    def __init__(self, message: str, code: str | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status


class InvalidParameter(AwsError):
    code = "InvalidParameterException"


class NotAuthorized(AwsError):
    code = "NotAuthorizedException"


class ResourceNotFound(AwsError):
    code = "ResourceNotFoundException"


class ResourceConflict(AwsError):
    code = "ResourceConflictException"


class TooManyRequests(AwsError):
    code = "TooManyRequestsException"


class LimitExceeded(AwsError):
    code = "LimitExceededException"


class ConcurrentModification(AwsError):
    code = "ConcurrentModificationException"


class DeveloperUserAlreadyRegistered(AwsError):
    code = "DeveloperUserAlreadyRegisteredException"


class InvalidIdentityPoolConfiguration(AwsError):
    code = "InvalidIdentityPoolConfigurationException"


class ExternalService(AwsError):
    code = "ExternalServiceException"


class InternalError(AwsError):
    code = "InternalErrorException"
    status = 500


class ValidationError(AwsError):
    """Shape violations, worded as AWS's request validation words them."""

    code = "ValidationException"

    def __init__(self, problems: list[str]) -> None:
        count = len(problems)
        noun = "error" if count == 1 else "errors"
        super().__init__(f"{count} validation {noun} detected: " + "; ".join(problems))
        self.problems = problems


class SerializationError(AwsError):
    code = "SerializationException"


class UnknownOperation(AwsError):
    code = "UnknownOperationException"


def pool_not_found(pool_id: str) -> ResourceNotFound:
    return ResourceNotFound(f"IdentityPool '{pool_id}' not found.")


def identity_not_found(identity_id: str) -> ResourceNotFound:
    return ResourceNotFound(f"Identity '{identity_id}' not found.")
