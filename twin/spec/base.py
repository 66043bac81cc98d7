"""Common base for every spec model: strict, immutable, and able to say where a number came from."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Spec(BaseModel):
    """Base of all spec models.

    Unknown keys are errors (a typo must never be silently ignored) and specs are frozen so a
    built simulation can never change the model it came from.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


class Sourced(Spec):
    """A spec object carrying real-world numbers, with an optional citation ("assumed" if none)."""

    source: str | None = None
