"""Cross-reference checks a schema cannot express: names that must exist, counts that must fit."""

from __future__ import annotations

from pathlib import Path

from twin.spec.errors import Problem, SpecError, format_path
from twin.spec.factory import Factory
from twin.spec.information import FLOW_ENDS, FLOW_MEANING, interface_graph
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
    if f.calendar is not None:
        from twin.sim.calendar import WorkCalendar  # late: the calendar arithmetic lives in the engine

        try:
            WorkCalendar(f.calendar)
        except ValueError as exc:
            out.append((("calendar",), str(exc), "shifts with working time left after breaks and planned stops"))
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
        if s.material is not None and s.batch is not None and s.material.bin_units < s.batch.size:
            out.append(
                (
                    ("stations", k, "material", "bin_units"),
                    str(s.material.bin_units),
                    f"at least the batch size {s.batch.size}: a bin must serve a full batch",
                )
            )
        for src, row in s.setup_matrix.items():
            if src not in products:
                out.append((("stations", k, "setup_matrix", src), repr(src), "a product name"))
            for dst in row:
                if dst not in products:
                    out.append((("stations", k, "setup_matrix", src, dst), repr(dst), "a product name"))
    return out


def information_findings(f: Factory) -> list[Finding]:
    """Problems of the information layer and of mechanisms that need a flow or a system."""
    out: list[Finding] = []
    info = f.information
    maint = f.policies.maintenance
    if info is None:
        if f.energy.switch_off_after_min is not None:
            out.append((("energy", "switch_off_after_min"), "no information layer", "an EMS system with energy_data"))
        if maint.regime == "predictive":
            out.append((("policies", "maintenance", "regime"), "'predictive'", "a condition_data flow in information"))
        for k, st in enumerate(f.stations):
            if st.quality.drift is not None and st.quality.drift.detect_min is None:
                out.append(
                    (
                        ("stations", k, "quality", "drift", "detect_min"),
                        "nothing",
                        "detect_min or a quality_feedback flow",
                    )
                )
        return out
    present = info.present()
    listed = ", ".join(sorted(present))
    seen: set[tuple] = set()
    for i, itf in enumerate(info.interfaces):
        for key, node in (("from", itf.source_node), ("to", itf.to)):
            if node not in present:
                out.append(
                    (("information", "interfaces", i, key), repr(node), f"a system in information.systems ({listed})")
                )
        if itf.source_node == itf.to:
            out.append(
                (("information", "interfaces", i), f"an interface from {itf.to} to itself", "two different nodes")
            )
        if itf.edge in seen:
            out.append(
                (("information", "interfaces", i), f"a second interface {itf.source_node}->{itf.to}", "one per pair")
            )
        seen.add(itf.edge)
    graph = interface_graph(info)
    for flow, path in info.flows.items():
        loc = ("information", "flows", flow)
        if len(path) < 2:
            out.append((loc, f"a path of {len(path)} node", "at least two nodes (from, to)"))
            continue
        first, last = FLOW_ENDS[flow]
        if first and path[0] != first:
            out.append(((*loc, 0), repr(path[0]), f"{first!r}: {FLOW_MEANING[flow]} starts there"))
        if last and path[-1] != last:
            out.append(((*loc, len(path) - 1), repr(path[-1]), f"{last!r}: {FLOW_MEANING[flow]} ends there"))
        inner = path[1:-1] if path[0] == path[-1] else path
        if len(set(inner)) < len(inner) or path[0] in path[1:-1]:
            out.append((loc, " -> ".join(path), "a path that visits each node once (no cycle)"))
        for j, node in enumerate(path):
            if node not in present:
                out.append(((*loc, j), repr(node), f"a system in information.systems ({listed})"))
        for j, (a, b) in enumerate(zip(path, path[1:], strict=False)):
            if a in present and b in present and info.interface(flow, a, b) is None:
                reach = sorted(graph.successors(a))
                out.append(
                    (
                        (*loc, j + 1),
                        f"no interface {a}->{b}",
                        f"an interface for each hop; from {a}: {', '.join(reach) or 'none'}",
                    )
                )
    if f.energy.switch_off_after_min is not None and ("EMS" not in present or "energy_data" not in info.flows):
        out.append((("energy", "switch_off_after_min"), "no EMS metering", "EMS in systems and an energy_data flow"))
    if maint.regime == "predictive" and "condition_data" not in info.flows:
        out.append((("policies", "maintenance", "regime"), "'predictive'", "a condition_data flow in information"))
    for k, st in enumerate(f.stations):
        drift = st.quality.drift
        if drift is not None and drift.detect_min is None and "quality_feedback" not in info.flows:
            out.append(
                (("stations", k, "quality", "drift", "detect_min"), "nothing", "detect_min or a quality_feedback flow")
            )
    return out


def check_factory(f: Factory, file: str = "<model>", node=None) -> None:
    """Raise :class:`SpecError` listing every cross-reference problem of ``f``."""
    findings = factory_findings(f) + information_findings(f)
    problems = [Problem(file, format_path(loc), found, exp, line_of(node, loc)) for loc, found, exp in findings]
    if problems:
        raise SpecError(problems)


def load_factory(model: str | Path | None = None) -> Factory:
    """Load a factory model by path or shipped name, fully validated."""
    path = resolve_model_path(model)
    factory, node = load_yaml_as(Factory, path)
    check_factory(factory, str(path), node)
    return factory
