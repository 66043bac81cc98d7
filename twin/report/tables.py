"""Figures the HTML report and the workbook both derive from the comparison, in one place.

Everything here reads the dict of ``twin compare --json`` and nothing else.
"""

from __future__ import annotations

from twin.kpi.definitions import PLANT_KPIS

MAIN_KPIS = (
    "throughput_per_h",
    "lead_time_min",
    "oee",
    "on_time_rate",
    "scrap_rate",
    "energy_kwh_per_unit",
    "unit_cost_cny",
)
"""The KPIs drawn as trajectories: output, speed, equipment, delivery, quality, energy and cost."""


def kpi_order(result: dict) -> list[str]:
    """Every KPI in the comparison, in the engine's order, unknown ones after it in their own order."""
    seen: dict[str, None] = dict.fromkeys(result["baseline"]["kpis"])
    for path in result["paths"].values():
        for stage in path["stages"]:
            seen.update(dict.fromkeys(stage["kpis"]))
    known = [k for k in PLANT_KPIS if k in seen]
    return known + [k for k in seen if k not in PLANT_KPIS]


def kpi_unit(result: dict, kpi: str) -> str:
    """The unit the comparison gives a KPI, else the engine's."""
    for block in [result["baseline"]["kpis"]] + [s["kpis"] for p in result["paths"].values() for s in p["stages"]]:
        if kpi in block and block[kpi].get("unit"):
            return block[kpi]["unit"]
    return PLANT_KPIS[kpi].unit if kpi in PLANT_KPIS else ""


def total_capex(path: dict) -> float:
    return float(sum(stage.get("capex_cny") or 0.0 for stage in path["stages"]))


def tier_steps(path: dict, baseline_tier: str) -> list[tuple[int, str]]:
    """(year, tier) at each year the tier changes, starting from the tier of doing nothing."""
    steps: list[tuple[int, str]] = []
    current = baseline_tier
    for point in sorted(path["tier_timeline"], key=lambda p: p["year"]):
        if point["tier"] != current:
            steps.append((int(point["year"]), point["tier"]))
            current = point["tier"]
    return steps


def final_tier(path: dict, baseline_tier: str) -> str:
    timeline = sorted(path["tier_timeline"], key=lambda p: p["year"])
    return timeline[-1]["tier"] if timeline else baseline_tier


def timeline_years(result: dict) -> list[int]:
    years = {int(p["year"]) for path in result["paths"].values() for p in path["tier_timeline"]}
    return sorted(years) if years else list(range(int(result.get("horizon_years", 0)) + 1))


def tier_in_year(path: dict, year: int, baseline_tier: str) -> str:
    """The tier in force in ``year``: the last one reached at or before it."""
    tier = baseline_tier
    for point in sorted(path["tier_timeline"], key=lambda p: p["year"]):
        if point["year"] <= year:
            tier = point["tier"]
    return tier


def payback_point(cash_flows: list[dict]) -> float | None:
    """Where the cumulative discounted line of the mean flows crosses zero for good, interpolated in the year.

    This is the point marked on the chart; the payback in the tables is the mean over replications,
    which need not be the same number.
    """
    flows = sorted(cash_flows, key=lambda f: f["year"])
    cum = [f.get("cumulative_discounted") for f in flows]
    if not cum or any(c is None for c in cum) or cum[-1] < 0:
        return None
    under = [i for i, c in enumerate(cum) if c < 0]
    if not under:
        return float(flows[0]["year"])
    k = under[-1]
    step = cum[k + 1] - cum[k]
    return float(flows[k]["year"]) + (-cum[k] / step if step else 0.0)


def n_samples(result: dict, path: dict) -> int:
    return len(path.get("npv_samples") or []) or int(result.get("replications") or 0)
