"""Apply declarative patch operations to a factory model held as plain data.

Paths are dotted keys with list selectors: ``stations[milling].machines``, ``stations[*].networked``,
``stations[turning|milling].setup_min``, ``products[*].routing[station=inspection].time_min``,
``information.interfaces[0]``. A selector matches list items by ``name`` (``from->to@flow`` for
interfaces), by what a station is (``stations[kind=cnc_milling]``, ``stations[tags=bottleneck]``), by
``field=a|b``, by index, or all with ``*`` (see :mod:`twin.spec.select`).

Strict per path, lenient per list: an attribute selector may match nothing in one list (a product
that never visits inspection), but a path that selects nothing in the whole model is an error, and
so is a name that is not there. An investment that does not fit the model must say so, not silently
do nothing. ``require`` checks that the plant has something for the investment to act on (a drift
for SPC to catch) without changing it; ``forbid`` that it does not have what the investment would
add (a night shift).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import Any

from twin.spec.select import SelectionError, item_key, select

_PART = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)(?:\[([^\]]+)\])?$")
_SCALED = {
    "deterministic": ("value",),
    "exponential": ("mean",),
    "uniform": ("low", "high"),
    "triangular": ("low", "mode", "high"),
    "normal": ("mean", "sd"),
    "lognormal": ("mean",),
    "gamma": ("mean",),
    "weibull": ("mean",),
}


class PatchError(ValueError):
    """A patch that does not fit the model; the message says what was looked for, ``brief`` in a few words."""

    def __init__(self, message: str, brief: str | None = None) -> None:
        super().__init__(message)
        self.brief = brief or message


def _select(items: list, selector: str, where: str) -> list[int]:
    try:
        return select(items, selector, where)
    except SelectionError as exc:
        raise PatchError(str(exc), exc.brief) from None


def _targets(data: dict, path: str) -> list[tuple[dict | list, str | int]]:
    """(container, key) pairs the path points at; missing mappings on the way are created."""
    parts = path.split(".")
    current: list[Any] = [data]
    where = ""
    for n, part in enumerate(parts):
        m = _PART.match(part)
        if not m:
            raise PatchError(f"bad path element {part!r} in {path!r}")
        key, selector = m.group(1), m.group(2)
        where = f"{where}.{key}" if where else key
        last = n == len(parts) - 1
        nxt: list[Any] = []
        for node in current:
            if not isinstance(node, dict):
                raise PatchError(f"{where} is inside a value that is not a mapping")
            if selector is None:
                if last:
                    nxt.append((node, key))
                    continue
                if node.get(key) is None:
                    node[key] = {}
                nxt.append(node[key])
                continue
            items = node.get(key)
            if not isinstance(items, list):
                raise PatchError(f"{where} is not a list in the model")
            for i in _select(items, selector, where):
                nxt.append((items, i) if last else items[i])
        if selector is not None:
            where += f"[{selector}]"
            if current and not nxt:
                raise PatchError(f"{path} selects nothing in the model", f"no {where}")
        current = nxt
    return current


def _scaled(value: Any, factor: float, where: str) -> Any:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value * factor
    if isinstance(value, dict) and value.get("dist") in _SCALED:
        out = dict(value)
        for field in _SCALED[value["dist"]]:
            out[field] = value[field] * factor
        return out
    if isinstance(value, dict) and value.get("dist") == "empirical":
        return {**value, "values": [v * factor for v in value["values"]]}
    raise PatchError(f"{where} holds {value!r}, not a number or a distribution to scale")


def apply_op(data: dict, op: str, path: str, value: Any, factor: float | None) -> None:
    """Apply one operation in place."""
    if op == "forbid":
        try:
            found = [t for t in _targets(data, path) if isinstance(t[0], list) or t[0].get(t[1]) is not None]
        except PatchError:
            found = []
        if found:
            why = value or "the plant has it already"
            raise PatchError(f"{path} is in the model: {why}", why)
        return
    targets = _targets(data, path)
    if op == "require":
        if not any(isinstance(c, list) or c.get(k) is not None for c, k in targets):
            why = value or "nothing to act on"
            raise PatchError(f"{path} is not set anywhere in the model: {why}", why)
        return
    if op == "repeat_last":
        lists = [c[k] for c, k in targets if (isinstance(c, list) or k in c) and isinstance(c[k], list) and c[k]]
        for items in lists:
            items.append(copy.deepcopy(items[-1]))
        return
    for container, key in targets:
        current = container[key] if (isinstance(container, list) or key in container) else None
        if op == "set":
            container[key] = copy.deepcopy(value)
        elif op == "scale":
            if current is None:
                raise PatchError(f"{path} is not set in the model, so there is nothing to scale", f"no {path}")
            container[key] = _scaled(current, factor, path)
        elif op == "add":
            if not isinstance(current, int | float):
                raise PatchError(f"{path} holds {current!r}, not a number to add to")
            container[key] = current + value
        elif op in ("append", "upsert"):
            if current is None:
                container[key] = current = []
            if not isinstance(current, list):
                raise PatchError(f"{path} is not a list")
            _into_list(current, value, replace=op == "upsert")
        elif op == "merge":
            if current is None:
                container[key] = current = {}
            if not isinstance(current, dict) or not isinstance(value, dict):
                raise PatchError(f"{path} and the value must both be mappings to merge")
            current.update(copy.deepcopy(value))


def _into_list(items: list, value: Any, replace: bool) -> None:
    key = item_key(value)
    for i, item in enumerate(items):
        if item == value or (key is not None and item_key(item) == key):
            if replace:
                items[i] = copy.deepcopy(value)
            return
    items.append(copy.deepcopy(value))


def apply_patch(data: dict, ops: list, draw: Callable[[int], float | None]) -> dict:
    """A patched deep copy of ``data``; ``draw(i)`` gives op ``i``'s sampled factor."""
    out = copy.deepcopy(data)
    for i, op in enumerate(ops):
        try:
            apply_op(out, op.op, op.path, op.value, draw(i))
        except PatchError as exc:
            raise PatchError(f"patch[{i}] ({op.op} {op.path}): {exc}", exc.brief) from None
    return out
