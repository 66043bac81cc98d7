"""Shared builders for small factory models used by behaviour and theory tests."""

from __future__ import annotations

import re
from typing import Any

from twin.spec import Factory, check_factory


def exp(mean: float) -> dict[str, Any]:
    return {"dist": "exponential", "mean": mean}


def build_factory(stations: list[dict], products: list[dict], **top: Any) -> Factory:
    """Validate a factory from plain dicts, with the same checks as a YAML file gets."""
    factory = Factory.model_validate(
        {"name": top.pop("name", "test"), "stations": stations, "products": products, **top}
    )
    check_factory(factory)
    return factory


def saturated(stations: list[dict], routing: list[dict], **top: Any) -> Factory:
    """A line whose first station is never starved and whose last is never blocked."""
    policies = top.pop("policies", {}) | {"release": {"policy": "saturated"}}
    return build_factory(stations, [{"name": "p", "routing": routing}], policies=policies, **top)


# One problem line as users see it (file:line: path: found X; expected Y), and a small valid model
# the bad-input tests break one field at a time.
PROBLEM = re.compile(
    r"^(?P<file>[^:]+?)(?::(?P<line>\d+))?: (?:(?P<path>\S+): )?found (?P<found>.+?); expected (?P<expected>.+)$"
)

VALID = """\
name: cell
policies:
  release: {policy: saturated}
stations:
  - name: saw
    buffer: 3
  - name: mill
    failures:
      ttf_min: {dist: exponential, mean: 100}
      ttr_min: {dist: exponential, mean: 5}
products:
  - name: bracket
    routing:
      - {station: saw, time_min: 1}
      - {station: mill, time_min: {dist: exponential, mean: 0.9}}
"""
