"""Read YAML into validated specs, turning every problem into a one-line :class:`Problem`.

Line numbers come from the YAML node tree, so a user is sent to the exact line of a bad value.
"""

from __future__ import annotations

import math
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from twin.spec.distributions import DIST_NAMES
from twin.spec.errors import Problem, SpecError, format_path

M = TypeVar("M", bound=BaseModel)

DEFAULT_MODEL = "precision_machining"


def data_dir(kind: str) -> Path:
    """Folder of shipped ``models`` or ``scenarios``: inside the wheel, else next to the package."""
    packaged = resources.files("twin") / "_data" / kind
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[2] / kind


def shipped_models() -> list[str]:
    return sorted(p.stem for p in data_dir("models").glob("*.yaml"))


def resolve_model_path(model: str | Path | None) -> Path:
    """A path to a YAML file, or the name of a shipped plant; ``None`` is the default plant."""
    if model is None:
        model = DEFAULT_MODEL
    path = Path(model)
    if path.suffix in (".yaml", ".yml") or path.exists():
        return path
    shipped = data_dir("models") / f"{model}.yaml"
    if shipped.exists():
        return shipped
    known = ", ".join(shipped_models())
    raise SpecError([Problem(str(model), "", "no such file or shipped model", f"a YAML path or one of: {known}")])


def _duplicate_keys(node: yaml.Node | None, loc: tuple = ()) -> list[tuple[tuple, str, int]]:
    """(location, key, line) of every key given twice in one mapping; YAML would keep the last."""
    out = []
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            name = getattr(key, "value", None)
            if name in seen:
                out.append(((*loc, name), name, key.start_mark.line + 1))
            seen.add(name)
            out += _duplicate_keys(value, (*loc, name))
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            out += _duplicate_keys(item, (*loc, i))
    return out


def read_yaml(path: Path) -> tuple[Any, yaml.Node | None]:
    """Parse a YAML file into data plus its node tree (for line numbers)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpecError([Problem(str(path), "", "no such file", "an existing YAML file")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError([Problem(str(path), "", f"an unreadable file ({exc})", "a UTF-8 YAML file")]) from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        what = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise SpecError([Problem(str(path), "", f"malformed YAML ({what})", "valid YAML", line)]) from None
    twice = _duplicate_keys(node)
    if twice:
        raise SpecError(
            [
                Problem(str(path), format_path(loc), f"key {key!r} given twice", "each key once", line)
                for loc, key, line in twice
            ]
        )
    return data, node


def line_of(node: yaml.Node | None, loc: tuple[str | int, ...]) -> int | None:
    """Line (1-based) of the deepest YAML node reachable along ``loc``."""
    line = node.start_mark.line + 1 if node is not None else None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            child = next((v for k, v in node.value if getattr(k, "value", None) == str(part)), None)
            if child is None:
                key = next((k for k, _ in node.value if getattr(k, "value", None) == str(part)), None)
                return key.start_mark.line + 1 if key is not None else line
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            child = node.value[part]
        else:
            return line
        node = child
        line = node.start_mark.line + 1
    return line


def _describe(value: Any) -> str:
    text = repr(value) if isinstance(value, str) else yaml.safe_dump(value, default_flow_style=True).strip()
    text = text.removesuffix("...").strip()
    return text if len(text) <= 60 else text[:57] + "..."


def _expected(err: dict[str, Any]) -> str:
    kind, msg = err["type"], err["msg"]
    if kind == "extra_forbidden":
        return "no such key (check its spelling and place)"
    if kind == "missing":
        return "this required key"
    if kind == "union_tag_invalid":
        return f"dist to be one of: {', '.join(DIST_NAMES)}"
    if kind == "union_tag_not_found":
        return "a 'dist:' key naming the distribution"
    for prefix in ("Value error, ", "Assertion failed, "):
        if msg.startswith(prefix):
            return msg[len(prefix) :]
    return msg.replace("Input should be ", "").replace("input should be ", "")


def _found(err: dict[str, Any]) -> str:
    if err["type"] == "missing":
        return "nothing"
    if err["type"] == "extra_forbidden":
        return f"unknown key {err['loc'][-1]!r}"
    return _describe(err.get("input"))


def _clean_loc(loc: tuple[str | int, ...], data: Any) -> tuple[str | int, ...]:
    """Drop pydantic's internal union tags and validator names from an error location.

    A tag is recognised by walking the user's data: it is a distribution name standing where the
    data holds a distribution (a mapping with that ``dist``, or a bare number), not a key.
    """
    out: list[str | int] = []
    for part in loc:
        if isinstance(part, str) and "[" in part:
            continue
        if isinstance(part, str) and part in DIST_NAMES:
            is_key = isinstance(data, dict) and part in data and data.get("dist") != part
            if not is_key:
                continue
        out.append(part)
        if isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, list) and isinstance(part, int) and part < len(data):
            data = data[part]
        else:
            data = None
    return tuple(out)


def validation_problems(file: str, exc: ValidationError, node: yaml.Node | None, data: Any = None) -> list[Problem]:
    problems = []
    for err in exc.errors(include_url=False):
        loc = _clean_loc(tuple(err["loc"]), data)
        problems.append(Problem(file, format_path(loc), _found(err), _expected(err), line_of(node, loc)))
    return problems


def _non_finite_problems(file: str, data: Any, node: yaml.Node | None, loc: tuple = ()) -> list[Problem]:
    """YAML accepts .inf and .nan; no number in a model may be either."""
    if isinstance(data, float) and not math.isfinite(data):
        return [Problem(file, format_path(loc), repr(data), "a finite number", line_of(node, loc))]
    if isinstance(data, dict):
        return [p for k, v in data.items() for p in _non_finite_problems(file, v, node, (*loc, k))]
    if isinstance(data, list):
        return [p for i, v in enumerate(data) for p in _non_finite_problems(file, v, node, (*loc, i))]
    return []


def load_yaml_as(model: type[M], path: Path) -> tuple[M, yaml.Node | None]:
    """Parse and validate one YAML file as ``model``; raise :class:`SpecError` with every problem."""
    data, node = read_yaml(path)
    file = str(path)
    if not isinstance(data, dict):
        raise SpecError([Problem(file, "", _describe(data), "a YAML mapping at the top level", 1)])
    problems = _non_finite_problems(file, data, node)
    if problems:
        raise SpecError(problems)
    try:
        return model.model_validate(data), node
    except ValidationError as exc:
        raise SpecError(validation_problems(file, exc, node, data)) from None
