"""List selectors shared by investment patches and cost scopes: ``[name]``, ``[a|b]``, ``[*]``, ``[3]``,
``[field=value]``, ``[field=a|b]`` and ``[field=*]``.

A station is picked by what it is (``kind=cnc_milling``, ``tags=bottleneck``) as well as by name, so
one catalogue fits a user's own plant. ``field=value`` matches a scalar field equal to one of the
values, or a list field (``tags``) holding one of them; ``true``/``false`` match booleans;
``field=*`` matches items where the field is set. ``field.sub=value`` looks inside: an item matches
when its mapping ``field``, or any mapping of its list ``field``, matches ``sub=value``
(``failures.kind=wear_out``: a station with a wear-out failure mode). An attribute selector may
match nothing in one list (a product that never visits inspection); names must all be found.
"""

from __future__ import annotations

from typing import Any


class SelectionError(ValueError):
    """A selector that does not fit the list it is applied to; ``brief`` says so in a few words."""

    def __init__(self, message: str, brief: str | None = None) -> None:
        super().__init__(message)
        self.brief = brief or message


def item_key(item: Any) -> str | None:
    """The name of a list item (``from->to@flow`` for interfaces), if it has one."""
    if isinstance(item, dict):
        if "name" in item:
            return str(item["name"])
        if "from" in item and "to" in item:
            flow = item.get("flow")
            return f"{item['from']}->{item['to']}" + (f"@{flow}" if flow else "")
    return None


def _text(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _matches(item: Any, field: str, wanted: list[str]) -> bool:
    head, dot, sub = field.partition(".")
    if dot:
        inner = item.get(head) if isinstance(item, dict) else None
        inner = inner if isinstance(inner, list) else [inner]
        return any(_matches(x, sub, wanted) for x in inner)
    if not isinstance(item, dict) or item.get(field) is None:
        return False
    if wanted == ["*"]:
        return True
    value = item[field]
    values = value if isinstance(value, list) else [value]
    return any(_text(v) in wanted for v in values)


def select(items: list, selector: str, where: str) -> list[int]:
    """Indices of the items ``selector`` picks; names not found and indices out of range are errors."""
    if selector == "*":
        return list(range(len(items)))
    if "=" in selector:
        field, _, wanted = selector.partition("=")
        return [i for i, item in enumerate(items) if _matches(item, field, wanted.split("|"))]
    if selector.isdigit():
        i = int(selector)
        if i >= len(items):
            raise SelectionError(f"{where}[{i}] does not exist (list has {len(items)} items)", f"no {where}[{i}]")
        return [i]
    wanted = selector.split("|")
    found = [i for i, item in enumerate(items) if item_key(item) in wanted or item in wanted]
    if len(found) < len(wanted):
        have = ", ".join(k for k in (item_key(x) or str(x) for x in items))
        missing = ", ".join(w for w in wanted if all(item_key(x) != w and x != w for x in items))
        raise SelectionError(
            f"{where}[{selector}] selects nothing for some names; the model has: {have or 'none'}",
            f"no {where} {missing}",
        )
    return found
