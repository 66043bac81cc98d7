"""Cross-reference checks a schema cannot express: names that must exist, counts that must fit."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from twin.spec.errors import Problem, SpecError, format_path
from twin.spec.factory import Factory, clock_to_min
from twin.spec.information import FLOW_ENDS, FLOW_MEANING, interface_graph
from twin.spec.loader import line_of, read_mapping, resolve_model_path, validation_problems

Finding = tuple[tuple[str | int, ...], str, str]


def _items(value: Any) -> list[dict]:
    """The mappings of a list in raw model data (anything else is the schema's to report)."""
    return [v if isinstance(v, dict) else {} for v in value] if isinstance(value, list) else []


def _names(items: list[dict]) -> list[str] | None:
    """The names of raw items, or None if one has no usable name (references to it cannot be judged)."""
    names = [item.get("name") for item in items]
    return names if all(isinstance(n, str) for n in names) else None


def reference_findings(data: dict, investment_ids: Collection[str] | None = None) -> list[Finding]:
    """Names that must exist: routing and pool stations, setup-matrix products, investments applied.

    Works on the raw model data so these problems are reported even when the schema found others.
    """
    out: list[Finding] = []
    stations, products = _items(data.get("stations")), _items(data.get("products"))
    station_names, product_names = _names(stations), _names(products)
    if station_names is not None:
        known = f"a station: {', '.join(station_names)}"
        for i, product in enumerate(products):
            for j, step in enumerate(_items(product.get("routing"))):
                name = step.get("station")
                if isinstance(name, str) and name not in station_names:
                    out.append((("products", i, "routing", j, "station"), repr(name), known))
        for i, pool in enumerate(_items(data.get("operators"))):
            listed = pool.get("stations")
            for j, name in enumerate(listed if isinstance(listed, list) else []):
                if isinstance(name, str) and name not in station_names:
                    out.append((("operators", i, "stations", j), repr(name), known))
    if product_names is not None:
        for k, station in enumerate(stations):
            matrix = station.get("setup_matrix")
            for src, row in matrix.items() if isinstance(matrix, dict) else ():
                if src not in product_names:
                    out.append((("stations", k, "setup_matrix", src), repr(src), "a product name"))
                for dst in row if isinstance(row, dict) else ():
                    if dst not in product_names:
                        out.append((("stations", k, "setup_matrix", src, dst), repr(dst), "a product name"))
    applied = data.get("investments")
    if investment_ids is not None and isinstance(applied, list):
        for j, inv in enumerate(applied):
            if isinstance(inv, str) and inv not in investment_ids:
                out.append(
                    (("investments", j), repr(inv), f"an investment of the catalogue: {', '.join(investment_ids)}")
                )
    return out


def factory_findings(f: Factory) -> list[Finding]:
    """Problems of demand, calendar and staffing as (location, found, expected); names: reference_findings."""
    out: list[Finding] = []
    stations = {s.name: s for s in f.stations}
    for i, p in enumerate(f.products):
        if f.policies.release.policy != "saturated" and p.demand is None:
            out.append((("products", i, "demand"), "nothing", "demand (orders) unless policies.release is 'saturated'"))
    from twin.sim.calendar import WorkCalendar  # late: the calendar arithmetic lives in the engine

    own = [(("calendar",), f.calendar)]
    own += [(("stations", k, "calendar"), f.station_calendar(s)) for k, s in enumerate(f.stations) if s.calendar]
    for where, cal in own:
        if cal is None:
            continue
        try:
            WorkCalendar(cal)
        except ValueError as exc:
            out.append((where, str(exc), "shifts with working time left after breaks and planned stops"))
    out += _overtime_findings(f)
    served: dict[str, str] = {}
    for i, pool in enumerate(f.operators):
        for j, name in enumerate(pool.stations):
            if name not in stations:
                continue
            if name in served:
                out.append(
                    (
                        ("operators", i, "stations", j),
                        f"{name!r} already served by pool {served[name]!r}",
                        "one pool per station",
                    )
                )
            else:
                served[name] = pool.name
        pool_cal = f.pool_calendar(pool)
        n_shifts = len(pool_cal.shifts) if pool_cal else 1
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
    return out


def _overtime_findings(f: Factory) -> list[Finding]:
    """The extended shift must be a shift of the calendar, worked on its days, and run into time off."""
    ot = f.policies.overtime
    if ot is None:
        return []
    where = ("policies", "overtime")
    if f.calendar is None:
        return [(where, "overtime in a plant without a calendar", "a calendar with time off (or no overtime)")]
    names = [s.name for s in f.calendar.shifts]
    if ot.shift not in names:
        return [((*where, "shift"), repr(ot.shift), f"a shift of the calendar ({', '.join(names)})")]
    for j, day in enumerate(ot.days):
        if day >= f.calendar.days_per_week:
            return [((*where, "days", j), f"day {day}, a day off", f"a working day (0-{f.calendar.days_per_week - 1})")]
    from twin.sim.calendar import overtime_slots  # late: the calendar arithmetic lives in the engine

    spans = _shift_spans(f)
    for a, b in overtime_slots(f.calendar, ot):
        if any(s0 < b and a < s1 for s0, s1 in spans):
            found = f"{ot.hours:g} h after shift {ot.shift!r} run into another shift"
            return [((*where, "hours"), found, "overtime in time off (fewer hours, or no shift right after it)")]
    return []


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


def tariff_findings(f: Factory) -> list[Finding]:
    """A tariff start given twice leaves the price of that time ambiguous; load shifting needs a tariff
    and a cycle that runs straight through once started (the hold prices it so)."""
    out: list[Finding] = []
    for k, st in enumerate(f.stations):
        if st.batch is None or st.batch.tariff_hold_min is None:
            continue
        where = ("stations", k, "batch", "tariff_hold_min")
        if not f.energy.tariff:
            out.append((where, "no time-of-use tariff", "energy.tariff to shift loads by"))
        elif f.station_calendar(st) is not None and not st.non_interruptible:
            out.append((where, "a cycle that pauses off-shift", "non_interruptible: true, or no calendar"))
    seen: set[int] = set()
    for j, period in enumerate(f.energy.tariff):
        start = clock_to_min(period.start)
        if start in seen:
            out.append((("energy", "tariff", j, "start"), f"{period.start!r} a second time", "each start time once"))
        seen.add(start)
    return out


def _shift_spans(f: Factory) -> list[tuple[float, float]]:
    """Working shifts as minute intervals from Monday 00:00, repeated a week before and after (weeks wrap)."""
    week = 7 * 1440
    spans = []
    for day in range(f.calendar.days_per_week):
        for s in f.calendar.shifts:
            a = day * 1440 + clock_to_min(s.start)
            spans += [(a + k * week, a + k * week + s.hours * 60) for k in (-1, 0, 1)]
    return spans


def factory_warnings(f: Factory) -> list[Finding]:
    """What is legal but most likely a slip: it runs, yet does not do what the planner meant."""
    out: list[Finding] = []
    visited = {step.station for p in f.products for step in p.routing}
    for k, s in enumerate(f.stations):
        if s.name not in visited:
            out.append(
                (
                    ("stations", k),
                    f"station {s.name!r} on no routing",
                    "every station on a routing (idle, it lowers plant OEE)",
                )
            )
        for name in s.inspection.by_class if s.inspection else ():
            if name not in f.defect_classes:
                made = ", ".join(f.defect_classes) or "none"
                expected = f"a defect class some station's quality.defects makes ({made}), else it has no effect"
                out.append((("stations", k, "inspection", "by_class", name), f"defect class {name!r}", expected))
    if f.calendar is None:
        return out
    spans = _shift_spans(f)
    day_spans = [(clock_to_min(s.start), clock_to_min(s.start) + s.hours * 60) for s in f.calendar.shifts]
    for j, br in enumerate(f.calendar.breaks):
        starts = (clock_to_min(br.start), clock_to_min(br.start) + 1440)
        if not any(a < b + br.minutes and b < z for a, z in day_spans for b in starts):
            out.append(
                (
                    ("calendar", "breaks", j),
                    f"a break at {br.start} outside every shift",
                    "a break inside a shift (else it has no effect)",
                )
            )
    for j, pd in enumerate(f.calendar.planned_downtime):
        a = pd.day * 1440 + clock_to_min(pd.start)
        if not any(s0 < a + pd.minutes and a < s1 for s0, s1 in spans):
            where = "a day off" if pd.day >= f.calendar.days_per_week else "no shift"
            out.append(
                (
                    ("calendar", "planned_downtime", j),
                    f"a planned stop on {where}",
                    "a stop inside working time (else it has no effect)",
                )
            )
    return out


def check_factory(
    f: Factory, file: str = "<model>", node=None, investment_ids: Collection[str] | None = None
) -> list[Problem]:
    """Raise :class:`SpecError` listing every cross-reference problem of ``f``; return its warnings.

    ``investment_ids`` (the catalogue's) checks the investments the model says are applied.
    """
    findings = reference_findings(f.model_dump(by_alias=True), investment_ids)
    findings += factory_findings(f) + information_findings(f) + tariff_findings(f)
    problems = [Problem(file, format_path(loc), found, exp, line_of(node, loc)) for loc, found, exp in findings]
    if problems:
        raise SpecError(problems)
    return [Problem(file, format_path(loc), found, exp, line_of(node, loc)) for loc, found, exp in factory_warnings(f)]


def load_factory(model: str | Path | None = None, investment_ids: Collection[str] | None = None) -> Factory:
    """Load a factory model by path or shipped name, fully validated; ``.warnings`` holds what looks like a slip.

    Problems of the schema and of names that must exist are reported together, so one run of
    ``twin validate`` lists them all.
    """
    path = resolve_model_path(model)
    file = str(path)
    data, node = read_mapping(path)
    try:
        factory = Factory.model_validate(data)
    except ValidationError as exc:
        problems = validation_problems(file, exc, node, data)
        problems += [
            Problem(file, format_path(loc), found, exp, line_of(node, loc))
            for loc, found, exp in reference_findings(data, investment_ids)
        ]
        raise SpecError(problems) from None
    return factory.with_warnings(check_factory(factory, file, node, investment_ids))
