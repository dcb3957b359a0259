"""Input validation driven by botocore's service model (placeholder until implemented)."""

from __future__ import annotations

from typing import Any


def validate_input(operation_name: str, params: dict[str, Any]) -> None:
    """Raise errors.ValidationError (or SerializationError) when `params` break the model."""
