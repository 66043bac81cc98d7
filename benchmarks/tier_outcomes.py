"""The tier presets at steady state, step by step, next to the published cohort outcomes.

Run on demand: ``python benchmarks/tier_outcomes.py [--plant NAME|all] [--days 42] [--reps 5] [--seed 1]
[--jobs 2]``; the plant is a shipped base plant (default: the default plant), its tiers are its presets
``<plant>_advanced``, ``<plant>_excellent`` and ``<plant>_leading``.
Every preset runs with the same seed (common random numbers) and the same one-week warm-up, so the
steps are paired comparisons. Each preset also runs saturated (:mod:`twin.kpi.capacity`: the same
plant with a backlog of orders under CONWIP), which gives the capacity its upgrades buy beside the
demand-bound throughput. Unit cost is shown twice: the unit manufacturing cost the engine reports,
split into what it is made of, and with the investments' straight-line depreciation and opex spread
over a year's output, which is what a finance controller compares. The two "sold out" rows are the
same costs in the saturated run: what a unit costs, with and without the investments, when the plant
sells all it can make at regular hours (demand grown into the capacity the upgrades free), next to
what it costs at today's orders.

Cohort figures are self-reported averages of showcase factories (docs/sources/domain.md §4), printed to
read against, never to tune to.
"""

from __future__ import annotations

import argparse
import time

from twin.kpi.capacity import capacity
from twin.plan.investments import load_catalogue, priced
from twin.plan.presets import load_model, load_presets
from twin.spec import shipped_models

TIERS = ("advanced", "excellent", "leading")
ROWS = (
    ("oee", "OEE (ISO 22400)", 100, "%"),
    ("oee_loaded", "OEE on loaded time", 100, "%"),
    ("availability", "availability", 100, "%"),
    ("throughput_per_h", "throughput /h", 1, ""),
    ("max_throughput_per_h", "capacity (saturated) /h", 1, ""),
    ("lead_time_min", "lead time min", 1, ""),
    ("wip", "WIP units", 1, ""),
    ("wip_value_cny", "WIP value CNY", 1, ""),
    ("on_time_rate", "on-time", 100, "%"),
    ("tardiness_min", "tardiness min/unit", 1, ""),
    ("overtime_share", "overtime share of paid hours", 100, "%"),
    ("scrap_rate", "scrap rate", 100, "%"),
    ("scrap_value_cny_per_week", "scrap value CNY/week", 1, ""),
    ("rework_h_per_week", "rework h/week", 1, ""),
    ("first_pass_yield", "first-pass yield", 100, "%"),
    ("escape_ppm", "escapes ppm", 1, ""),
    ("energy_kwh_per_unit", "kWh/unit (incl. base load)", 1, ""),
    ("carbon_kg_per_unit", "kgCO2/unit", 1, ""),
    ("labour_productivity", "units/operator-h", 1, ""),
    ("unit_cost_cny", "unit mfg cost CNY/unit", 1, ""),
    ("cost_material_cny", "  material", 1, ""),
    ("cost_direct_labour_cny", "  direct labour", 1, ""),
    ("cost_indirect_labour_cny", "  indirect labour", 1, ""),
    ("cost_energy_cny", "  energy", 1, ""),
    ("cost_maintenance_cny", "  maint. labour+spares", 1, ""),
    ("cost_escapes_cny", "  customer claims", 1, ""),
    ("cost_overhead_cny", "  overhead", 1, ""),
    ("capital_cny", "  investments (dep.+opex)", 1, ""),
    ("unit_cost_with_capital", "cost incl. invest. CNY/unit", 1, ""),
    ("unit_cost_at_capacity", "sold out: unit mfg cost", 1, ""),
    ("unit_cost_at_capacity_with_capital", "sold out: incl. invest.", 1, ""),
)
COHORT = {
    "labour_productivity": "excellent cohort 2025: production efficiency +22.3 % (MIIT)",
    "scrap_rate": "excellent cohort 2025: defect rate -50.2 %",
    "first_pass_yield": "(defect rate -50.2 % = 1-FPY halved)",
    "carbon_kg_per_unit": "excellent cohort 2025: carbon -20.4 % (scope unclear; here grid electricity)",
    "unit_cost_with_capital": "2018 pilot cohort: operating cost -21.2 %",
}


DEFINITIONS = {
    "labour_productivity": (
        "good units per paid operator-hour, direct and indirect pools, at the plant's own (flat) demand",
        "MIIT's 'production efficiency' of 230+ excellent-level factories (Xinhua 2025-02), self-reported; its "
        "definition is not published (output per head or per hour, on output that grew while they upgraded)",
        "at flat demand the twin can only show the people an upgrade frees on the same output; the cohort's figure "
        "also carries sales growth and product mix, which a twin of one plant at today's orders does not have",
    ),
    "scrap_rate": (
        "units scrapped over units out (good and scrapped), every station; defects that escape inspection are "
        "counted apart (escapes ppm), not as scrap",
        "MIIT's 'product defect rate' (产品不良品率) of the same cohort, all of its measures together",
        "the twin's scrap falls where a mechanism removes defects (SPC, gauging, tool life, AI process control); "
        "the share of scrap no investment here touches (heat treatment, assembly, handling) sets a floor",
    ),
    "carbon_kg_per_unit": (
        "grid electricity per good unit (machines in every state, furnace, base load) x the model's grid "
        "emission factor (scope 2)",
        "MIIT's 'carbon emissions' of the same cohort; scope (fuel, process, scope 2 only?) not published",
        "the twin has no fuel switch, renewables or process change; furnace heat and half the base load are out of "
        "reach of the catalogue's items",
    ),
    "unit_cost_with_capital": (
        "unit manufacturing cost plus the investments' straight-line depreciation over their economic life and "
        "their opex, spread over the year's good units",
        "'operating cost' of 305 intelligent-manufacturing pilot projects (MIIT's Xin Guobin, People's Daily "
        "2018-12-12), scope not published",
        "the pilots grew while they upgraded, so their fixed costs spread over more output; at flat demand an "
        "upgrade pays only by the costs it removes, and capacity it frees shows as headroom, not output (the 'sold "
        "out' rows give the cost when demand has grown into that capacity)",
    ),
}
"""For each KPI with a cohort figure: (what the twin's KPI is, what the cohort figure is, why they can differ)."""


def tier_chain(base: str) -> list[str]:
    """The base plant and its tier presets, in tier order."""
    presets = load_presets()
    return [base, *(f"{base}_{tier}" for tier in TIERS if f"{base}_{tier}" in presets)]


def capital_charge_cny_per_year(plant, base: str) -> float:
    """Depreciation over the economic life (capex / useful life) plus opex of every catalogue investment
    the plant has, each priced on the base plant as it was just before that investment."""
    catalogue = load_catalogue()
    made = [catalogue.get(i) for i in plant.investments if i in catalogue.ids]
    costs = priced(load_model(base), made)
    return sum(capex / inv.economic_life_years + opex for inv, (capex, opex) in zip(made, costs, strict=True))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--days", type=float, default=42)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--warmup", type=float, default=10080.0)
    ap.add_argument("--plant", default="precision_machining", choices=[*sorted(shipped_models()), "all"])
    args = ap.parse_args()
    for base in sorted(shipped_models()) if args.plant == "all" else [args.plant]:
        outcomes(base, args)


def outcomes(base: str, args: argparse.Namespace) -> None:
    """Print one plant's tier table."""
    started = time.perf_counter()
    columns = []
    base_charge = None
    for name in tier_chain(base):
        plant = load_model(name)
        runs = capacity(plant, days=args.days, reps=args.reps, warmup=args.warmup, seed=args.seed, jobs=args.jobs)
        result = runs.runs.results[0]
        values = {k: (e.mean, e.half_width) for k, e in result.kpis.items()}
        values["max_throughput_per_h"] = (runs.max_throughput.mean, runs.max_throughput.half_width)
        charge = capital_charge_cny_per_year(plant, base)
        base_charge = charge if base_charge is None else base_charge
        units_per_year = values["throughput_per_h"][0] * 8760
        values["capital_cny"] = ((charge - base_charge) / units_per_year, None)
        values["unit_cost_with_capital"] = (values["unit_cost_cny"][0] + values["capital_cny"][0], None)
        sold_out = runs.runs.results[1].kpis["unit_cost_cny"]
        values["unit_cost_at_capacity"] = (sold_out.mean, sold_out.half_width)
        capital_at_capacity = (charge - base_charge) / (values["max_throughput_per_h"][0] * 8760)
        values["unit_cost_at_capacity_with_capital"] = (sold_out.mean + capital_at_capacity, None)
        bottlenecks = (result.bottleneck, runs.bottleneck)
        values["freed"] = runs.freed_machine_h_per_week()
        columns.append((name.removeprefix(base).removeprefix("_") or "basic", values, bottlenecks))
    print(f"{base} tiers at steady state: {args.days:g} days, warm-up {args.warmup:g} min, "
          f"{args.reps} replications, seed {args.seed} ({time.perf_counter() - started:.0f} s)")  # fmt: skip
    head = f"{'KPI':28}" + "".join(f"{tier:>18}" for tier, _, _ in columns)
    print(head)
    for key, label, scale, unit in ROWS:
        first = columns[0][1][key][0]
        cells = []
        for i, (_, values, _) in enumerate(columns):
            mean, half = values[key]
            if mean is None:  # a KPI this plant does not have (no overtime policy, no inspection)
                cells.append("—")
            elif i == 0 or key.startswith(("cost_", "capital")):  # cost parts in CNY, so they add up per tier
                hw = f"±{half * scale:.2g}" if half is not None and i == 0 else ""
                cells.append(f"{mean * scale:,.2f}{unit}{hw}")
            else:
                cells.append(f"{(mean / first - 1) * 100:+.1f}%" if first else "—")
        print(f"{label:28}" + "".join(f"{c:>18}" for c in cells) + (f"   {COHORT[key]}" if key in COHORT else ""))
    print(f"{'bottleneck (today)':28}" + "".join(f"{b[0]:>18}" for _, _, b in columns))
    print(f"{'capacity bottleneck':28}" + "".join(f"{b[1]:>18}" for _, _, b in columns))
    print("machine-h a week with no work at today's demand (capacity more orders could use), per station:")
    for station in columns[0][1]["freed"]:
        cells = [values["freed"].get(station) for _, values, _ in columns]
        print(f"  {station:26}" + "".join(f"{c:>18,.1f}" if c is not None else f"{'—':>18}" for c in cells))
    basic = columns[0][1]
    use = basic["throughput_per_h"][0] / basic["max_throughput_per_h"][0]
    print(f"Read against the cohort (the basic plant makes {use:.0%} of what it could at regular hours):")
    for key, (ours, theirs, why) in DEFINITIONS.items():
        print(f"  {key}: ours = {ours}; cohort = {theirs}; where they differ: {why}.")


if __name__ == "__main__":
    main()
