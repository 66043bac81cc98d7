"""Cross-reference checks a schema cannot express: names that must exist, counts that must fit."""

from __future__ import annotations

from pathlib import Path

from twin.spec.errors import Problem, SpecError, format_path
from twin.spec.factory import Factory
from twin.spec.loader import line_of, load_yaml_as, resolve_model_path

Finding = tuple[tuple[str | int, ...], str, str]


def factory_findings(f: Factory) -> list[Finding]:
    """Every cross-reference problem as (location, found, expected)."""
    out: list[Finding] = []
    stations = {s.name: s for s in f.stations}
    products = {p.name for p in f.products}
    known_stations = ", ".join(stations)
    for i, p in enumerate(f.products):
        for j, step in enumerate(p.routing):
            if step.station not in stations:
                out.append(
                    (("products", i, "routing", j, "station"), repr(step.station), f"a station: {known_stations}")
                )
        if f.policies.release.policy != "saturated" and p.demand is None:
            out.append((("products", i, "demand"), "nothing", "demand (orders) unless policies.release is 'saturated'"))
    n_shifts = len(f.calendar.shifts) if f.calendar else 1
    served: dict[str, str] = {}
    for i, pool in enumerate(f.operators):
        for j, name in enumerate(pool.stations):
            if name not in stations:
                out.append((("operators", i, "stations", j), repr(name), f"a station: {known_stations}"))
            elif name in served:
                out.append(
                    (
                        ("operators", i, "stations", j),
                        f"{name!r} already served by pool {served[name]!r}",
                        "one pool per station",
                    )
                )
            else:
                served[name] = pool.name
        if pool.count_per_shift is not None and len(pool.count_per_shift) != n_shifts:
            out.append(
                (
                    ("operators", i, "count_per_shift"),
                    f"{len(pool.count_per_shift)} counts",
                    f"{n_shifts}, one per shift",
                )
            )
        staffed = max(pool.count_per_shift) if pool.count_per_shift is not None else pool.count
        for name in pool.stations:
            need = stations[name].operators if name in stations else 0
            if staffed is not None and need > staffed:
                out.append(
                    (
                        ("operators", i),
                        f"{staffed} operators",
                        f"at least {need}, as station {name!r} needs per machine",
                    )
                )
    for k, s in enumerate(f.stations):
        if s.operators > 0 and s.name not in served:
            out.append(
                (("stations", k, "operators"), f"{s.operators} with no pool", "an operator pool listing this station")
            )
        for src, row in s.setup_matrix.items():
            if src not in products:
                out.append((("stations", k, "setup_matrix", src), repr(src), "a product name"))
            for dst in row:
                if dst not in products:
                    out.append((("stations", k, "setup_matrix", src, dst), repr(dst), "a product name"))
    return out


def check_factory(f: Factory, file: str = "<model>", node=None) -> None:
    """Raise :class:`SpecError` listing every cross-reference problem of ``f``."""
    problems = [
        Problem(file, format_path(loc), found, exp, line_of(node, loc)) for loc, found, exp in factory_findings(f)
    ]
    if problems:
        raise SpecError(problems)


def load_factory(model: str | Path | None = None) -> Factory:
    """Load a factory model by path or shipped name, fully validated."""
    path = resolve_model_path(model)
    factory, node = load_yaml_as(Factory, path)
    check_factory(factory, str(path), node)
    return factory
