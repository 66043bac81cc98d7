"""Read YAML into validated specs, turning every problem into a one-line :class:`Problem`.

Line numbers come from the YAML node tree, so a user is sent to the exact line of a bad value.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
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
    """A path to a YAML file, or the name of a shipped plant; ``None`` is the default plant.

    A folder is never a model: one named like a shipped plant in the working folder must not hide it,
    and a name is a shipped plant only if it is listed (``../scenarios/x`` does not escape the folder).
    """
    if model is None:
        model = DEFAULT_MODEL
    path = Path(model)
    if path.suffix in (".yaml", ".yml") or (path.exists() and not path.is_dir()):
        return path
    known = shipped_models()
    if str(model) in known:
        return data_dir("models") / f"{model}.yaml"
    found = "a folder" if path.is_dir() else "no such file or shipped model"
    raise SpecError([Problem(str(model), "", found, f"a YAML path or one of: {', '.join(known)}")])


MAX_BYTES = 2 * 1024 * 1024
"""Largest YAML file read (the shipped plants are about 20 KB)."""
MAX_DEPTH = 32
"""Deepest nesting of mappings and lists, aliases expanded (the shipped plants use 7)."""
MAX_VALUES = 250_000
"""Most values (scalars, mappings, lists) in a document once aliases are expanded."""

_INT = re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$")
_FLOAT = re.compile(
    r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)


class _Resolver(yaml.resolver.BaseResolver):
    """YAML 1.2 core schema: ``12:00`` stays text, ``1e3`` is a number, only ``true``/``false`` are booleans."""

    yaml_implicit_resolvers: dict = {}


for _tag, _pattern, _first in (
    ("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("int", _INT.pattern, "-+0123456789"),
    ("float", _FLOAT.pattern, "-+0123456789."),
    ("null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
):
    _Resolver.add_implicit_resolver(f"tag:yaml.org,2002:{_tag}", re.compile(_pattern), list(_first))


class _Constructor(yaml.constructor.SafeConstructor):
    """Numbers and booleans as YAML 1.2 reads them (no octal ``010``, no sexagesimal ``1:30``)."""

    yaml_constructors = dict(yaml.constructor.SafeConstructor.yaml_constructors)

    def construct_yaml_bool(self, node: yaml.ScalarNode) -> bool:
        return self.construct_scalar(node).lower() == "true"

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
        text = self.construct_scalar(node)
        for prefix, base in (("0o", 8), ("0x", 16)):
            if text.startswith(prefix):
                return int(text[2:], base)
        return int(text, 10)

    def construct_yaml_float(self, node: yaml.ScalarNode) -> float:
        text = self.construct_scalar(node).lower()
        if text.endswith(".inf"):
            return -math.inf if text.startswith("-") else math.inf
        return math.nan if text == ".nan" else float(text)


for _tag in ("bool", "int", "float"):
    _Constructor.add_constructor(f"tag:yaml.org,2002:{_tag}", getattr(_Constructor, f"construct_yaml_{_tag}"))


class _PyLoader(
    yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser, yaml.composer.Composer, _Constructor, _Resolver
):
    """The pure-Python loader: slower, but its messages for malformed YAML say more than libyaml's."""

    def __init__(self, stream: str):
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)
        yaml.composer.Composer.__init__(self)
        _Constructor.__init__(self)
        _Resolver.__init__(self)


if yaml.__with_libyaml__:
    from yaml.cyaml import CParser

    class _Loader(CParser, _Constructor, _Resolver):
        def __init__(self, stream: str):
            CParser.__init__(self, stream)
            _Constructor.__init__(self)
            _Resolver.__init__(self)

else:  # pragma: no cover - PyYAML built without libyaml
    _Loader = _PyLoader


def _malformed(text: str, exc: yaml.YAMLError) -> yaml.YAMLError:
    """The pure-Python parser's account of a syntax error (libyaml found it first, faster)."""
    try:
        for _ in yaml.parse(text, Loader=_PyLoader):
            pass
    except yaml.YAMLError as py_exc:
        return py_exc
    return exc


class _Unbounded(Exception):
    """A document whose expansion would not end, or not in reasonable time and memory."""

    def __init__(self, found: str, expected: str, mark: yaml.Mark):
        self.found, self.expected, self.line = found, expected, mark.line + 1


@dataclass
class _Open:
    """A mapping or list being read: its anchor, the values before it, its depth and the deepest inside."""

    anchor: str | None
    before: int
    depth: int
    deepest: int


def _check_size(text: str) -> None:
    """Bound nesting and alias expansion from the event stream, before anything recurses or expands.

    A few aliases can stand for billions of values ("billion laughs"), and every later walk (duplicate
    keys, non-finite numbers, the schema) would follow each of them.
    """
    total = 0
    sizes: dict[str, tuple[int, int]] = {}  # anchor -> (values, height) of what it names
    opened: list[_Open] = []
    for event in yaml.parse(text, Loader=_Loader):
        depth = len(opened)
        if isinstance(event, yaml.CollectionStartEvent):
            total += 1
            opened.append(_Open(event.anchor, total - 1, depth + 1, depth + 1))
            reached = depth + 1
        elif isinstance(event, yaml.CollectionEndEvent):
            done = opened.pop()
            if done.anchor is not None:
                sizes[done.anchor] = (total - done.before, done.deepest - done.depth + 1)
            if opened:
                opened[-1].deepest = max(opened[-1].deepest, done.deepest)
            continue
        elif isinstance(event, yaml.ScalarEvent):
            total += 1
            reached = depth + 1
            if event.anchor is not None:
                sizes[event.anchor] = (1, 1)
        elif isinstance(event, yaml.AliasEvent):
            if any(o.anchor == event.anchor for o in opened):
                raise _Unbounded(
                    f"alias *{event.anchor} inside its own anchor", "an alias to a finished value", event.start_mark
                )
            values, height = sizes.get(event.anchor, (0, 0))
            total += values
            reached = depth + height
        else:
            continue
        if opened:
            opened[-1].deepest = max(opened[-1].deepest, reached)
        if reached > MAX_DEPTH:
            raise _Unbounded(f"nesting deeper than {MAX_DEPTH} levels", f"at most {MAX_DEPTH} levels", event.start_mark)
        if total > MAX_VALUES:
            raise _Unbounded(f"more than {MAX_VALUES:,} values (aliases expanded)", "a smaller model", event.start_mark)


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


def _read_text(path: Path) -> str:
    file = str(path)
    try:
        with path.open("rb") as fh:
            raw = fh.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise SpecError([Problem(file, "", "no such file", "an existing YAML file")]) from None
    except IsADirectoryError:
        raise SpecError([Problem(file, "", "a folder", "a YAML file")]) from None
    except OSError as exc:
        raise SpecError([Problem(file, "", f"an unreadable file ({exc.strerror})", "a readable YAML file")]) from None
    if len(raw) > MAX_BYTES:
        raise SpecError([Problem(file, "", f"a file larger than {MAX_BYTES // 1024 // 1024} MB", "a YAML model")])
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise SpecError([Problem(file, "", "text that is not UTF-8", "a UTF-8 YAML file", line)]) from None


def read_yaml(path: Path) -> tuple[Any, yaml.Node | None]:
    """Parse a YAML file (YAML 1.2) into data plus its node tree (for line numbers), in bounded time."""
    text = _read_text(path)
    try:
        _check_size(text)
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except _Unbounded as exc:
        raise SpecError([Problem(str(path), "", exc.found, exc.expected, exc.line)]) from None
    except yaml.YAMLError as c_exc:
        exc = _malformed(text, c_exc)
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


def _count(n: int, thing: str) -> str:
    return f"{n} {thing}" if n == 1 else f"{n} {thing}s"


_PLAIN = {
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "string_type": "text (in quotes if it looks like a number)",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "list_type": "a list",
    "dict_type": "a mapping (key: value)",
    "model_type": "a mapping (key: value)",
    "model_attributes_type": "a mapping (key: value)",
}
"""Pydantic error kinds in a planner's words."""


def _expected(err: dict[str, Any]) -> str:
    kind, msg, ctx = err["type"], err["msg"], err.get("ctx") or {}
    if kind == "extra_forbidden":
        return "no such key (check its spelling and place)"
    if kind == "missing":
        return "this required key"
    if kind == "union_tag_invalid":
        return f"dist to be one of: {', '.join(DIST_NAMES)}"
    if kind == "union_tag_not_found":
        return "a 'dist:' key naming the distribution"
    if kind in _PLAIN:
        return _PLAIN[kind]
    if kind == "too_short":
        return f"at least {_count(ctx['min_length'], 'item')}"
    if kind == "too_long":
        return f"at most {_count(ctx['max_length'], 'item')}"
    if kind == "string_too_short":
        return f"at least {_count(ctx['min_length'], 'character')}"
    if kind == "string_too_long":
        return f"at most {_count(ctx['max_length'], 'character')}"
    if kind == "literal_error":
        choices = ctx["expected"]
        return f"one of {choices}" if " or " in choices else choices
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


_TYPE_TAGS = {"int", "float", "str", "bool", "none"}
"""Union members pydantic names in a location (``x.int``); class names (capitalised) are tags too."""


def _clean_loc(loc: tuple[str | int, ...], data: Any) -> tuple[str | int, ...]:
    """Drop pydantic's internal union tags and validator names from an error location.

    A tag is recognised by walking the user's data: it is a distribution name standing where the
    data holds a distribution (a mapping with that ``dist``, or a bare number), not a key.
    """
    out: list[str | int] = []
    for part in loc:
        tag = isinstance(part, str) and ("[" in part or part in _TYPE_TAGS or part[:1].isupper())
        if tag and not (isinstance(data, dict) and part in data):
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
    """One problem per field: the alternatives of a union (``'auto'`` or a number) become one line."""
    problems: list[Problem] = []
    for err in exc.errors(include_url=False):
        loc = _clean_loc(tuple(err["loc"]), data)
        problem = Problem(file, format_path(loc), _found(err), _expected(err), line_of(node, loc))
        last = problems[-1] if problems else None
        if last is not None and (last.path, last.found) == (problem.path, problem.found) and problem.path:
            problems[-1] = Problem(file, last.path, last.found, f"{last.expected} or {problem.expected}", last.line)
        else:
            problems.append(problem)
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


def read_mapping(path: Path) -> tuple[dict, yaml.Node | None]:
    """A YAML file whose top level is a mapping with finite numbers, plus its node tree."""
    data, node = read_yaml(path)
    file = str(path)
    if not isinstance(data, dict):
        raise SpecError([Problem(file, "", _describe(data), "a YAML mapping at the top level", 1)])
    problems = _non_finite_problems(file, data, node)
    if problems:
        raise SpecError(problems)
    return data, node


def load_yaml_as(model: type[M], path: Path) -> tuple[M, yaml.Node | None]:
    """Parse and validate one YAML file as ``model``; raise :class:`SpecError` with every problem."""
    data, node = read_mapping(path)
    try:
        return model.model_validate(data), node
    except ValidationError as exc:
        raise SpecError(validation_problems(str(path), exc, node, data)) from None
