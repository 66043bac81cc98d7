"""Common base for every spec model: strict, immutable, and able to say where a number came from."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field


def _not_boolean(value: Any) -> Any:
    """pydantic reads ``machines: true`` as 1; a number in a model is never true or false."""
    if isinstance(value, bool):
        raise ValueError("a number, not true or false")
    return value


Int = Annotated[int, BeforeValidator(_not_boolean)]
Float = Annotated[float, BeforeValidator(_not_boolean)]
Bool = Annotated[bool, Field(strict=True)]
"""Only ``true`` or ``false`` (pydantic would also take 'yes', 'on' or 1)."""


class Spec(BaseModel):
    """Base of all spec models.

    Unknown keys are errors (a typo must never be silently ignored) and specs are frozen so a
    built simulation can never change the model it came from.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


class Sourced(Spec):
    """A spec object carrying real-world numbers, with an optional citation ("assumed" if none)."""

    source: str | None = None
