"""``twin compare``: the reference paths side by side, the best one named with how sure we are.

Builds the one JSON document every output reads (terminal tables, ``--json``, the HTML and Excel
report): KPIs per stage with CIs and paired differences to doing nothing, the tier timeline, NPV,
IRR and payback as distributions over replications (each replication also draws every investment's
uncertain effect), the cash-flow lines, the best path by a ranking-and-selection procedure, and a
tornado of the best path's expected NPV over each assumption's range.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from twin.economics.cashflow import MoneyEstimate, discounted_payback, irr, npv, summarise
from twin.kpi.definitions import PLANT_KPIS
from twin.kpi.stats import Estimate, paired_difference
from twin.plan.projection import PlantState
from twin.plan.selection import describe, select_best
from twin.plan.study import PathStudy
from twin.run.experiment import plant_estimates
from twin.spec.finance import Finance
from twin.spec.investment import Investment

CONFIDENCE = 0.95
DELTA_SHARE = 0.05
"""Default indifference zone: 5 % of the mean capex of the paths compared (what a finance controller would
call the same money on a programme of that size)."""
MONEY_ASSUMPTIONS = (
    "discount_rate",
    "income_tax_rate",
    "demand_growth",
    "price_erosion",
    "wage_escalation",
    "energy_price_escalation",
    "inventory_carrying_rate",
    "investment_cost_factor",
)


def _num(x: float | None, digits: int = 6) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else round(float(x), digits)


def _est(e: Estimate, unit: str | None = None) -> dict:
    out = {"mean": _num(e.mean), "ci95": [_num(e.lo), _num(e.hi)]}
    if unit is not None:
        out["unit"] = unit
    return out


def _money(m: MoneyEstimate, digits: int = 2) -> dict:
    return {
        "mean": _num(m.mean, digits),
        "median": _num(m.median, digits),
        "ci95": [_num(m.ci95[0], digits), _num(m.ci95[1], digits)],
        "p5": _num(m.p5, digits),
        "p95": _num(m.p95, digits),
        "n_undefined": m.n_undefined,
    }


def _no_irr_end(flows: Sequence[float]) -> float:
    """Where a replication without an IRR (its flows never change sign) ranks: lowest if it only ever pays
    out, highest if it only ever earns."""
    return -math.inf if sum(flows) < 0 else math.inf


def _kpi_estimates(values: dict[str, list[float]]) -> dict[str, dict]:
    """Each KPI's mean and 95% interval, the interval cut to what the KPI can take (as ``twin simulate``)."""
    return {kk: _est(e, PLANT_KPIS[kk].unit) for kk, e in plant_estimates(values).items()}


def _kpis(study: PathStudy, state: PlantState, reps: int) -> dict[str, list[float]]:
    rows = study.runs.kpis(state, 1.0, reps)
    return {k: [r[k] for r in rows] for k in PLANT_KPIS}


def with_assumption(finance: Finance, name: str, value: float) -> Finance:
    """The finance assumptions with one value changed (its range and source kept)."""
    changed = getattr(finance, name).model_copy(update={"value": value})
    return finance.model_copy(update={name: changed})


def _mean_npv(
    study: PathStudy, i: int, reps: int, finance: Finance, cost_factors: dict | None = None, states=None
) -> float:
    rate = finance.discount_rate.value
    values = [npv(rate, study.money(i, r, finance, cost_factors, states).flows.net_without_awards) for r in range(reps)]
    return float(np.mean(values))


EFFECT_QUANTILES = (0.05, 0.95)
"""An investment's effect factors at these quantiles of their distributions: the tornado's effect rows."""


def effect_rows(study: PathStudy, i: int, reps: int, base: float, sim_reps: int = 3) -> list[dict]:
    """Expected NPV of path ``i`` with each uncertain investment's effect factors at their 5th and 95th
    percentiles, simulated on the first ``sim_reps`` replications (a paired change added to ``base``)."""
    n = min(reps, sim_reps)
    own = _mean_npv(study, i, n, study.finance)
    rows = []
    seen: list[str] = []
    for stage in study.plans[i].stages:
        for purchase in stage.purchases:
            inv = study.catalogue.get(purchase.investment)
            if inv.id in seen or not any(op.factor is not None for op in inv.patch):
                continue
            seen.append(inv.id)
            values = []
            for q in EFFECT_QUANTILES:
                states = study.effect_states(i, inv.id, q)
                study.ensure_states(states, n)
                values.append(base + _mean_npv(study, i, n, study.finance, states=states) - own)
            note = f"{inv.id}'s effect factors at their 5th and 95th percentiles ({inv.effect_source})"
            rows.append(_row(f"effect:{inv.id}", *EFFECT_QUANTILES, values, note, inv))
    return rows


MONEY_ONLY = tuple(n for n in MONEY_ASSUMPTIONS if n != "demand_growth")


def tornado(
    study: PathStudy,
    i: int,
    reps: int,
    names: Sequence[str] = MONEY_ONLY,
    demand_reps: int = 3,
    effects: bool = False,
) -> list[dict]:
    """Expected NPV of path ``i`` with each assumption at its low and at its high value, widest swing first.

    Money-only assumptions (rates, prices, escalation, costs) revalue the same simulations. Each
    investment's own cost moves by the cost-estimate range (rows ``cost:<id>``). Demand growth, when
    named, changes the load each state meets, so it simulates the extra demand levels it needs for this
    path and the baseline, on the first ``demand_reps`` replications only: its row is the path's mean NPV
    plus the paired change those replications show (common random numbers make it tight). Effect
    factors are drawn anew in every replication, so their uncertainty is in the NPV distribution; with
    ``effects`` each uncertain investment also gets a row (:func:`effect_rows`), which simulates its
    states again with the factors fixed.
    """
    base = _mean_npv(study, i, reps, study.finance)
    rows = []
    for name in names:
        a = getattr(study.finance, name)
        if a.low is None or a.low == a.high:
            continue
        values = []
        for v in (a.low, a.high):
            f = with_assumption(study.finance, name, v)
            if name == "demand_growth":
                n = min(reps, demand_reps)
                study.ensure(n, plans=[i], finance=f)
                change = _mean_npv(study, i, n, f) - _mean_npv(study, i, n, study.finance)
                values.append(base + change)
            else:
                values.append(_mean_npv(study, i, reps, f))
        rows.append(_row(name, a.low, a.high, values, a.source or ""))
    cost = study.finance.investment_cost_factor
    if cost.low is not None:
        for purchase in (p for stage in study.plans[i].stages for p in stage.purchases):
            values = [_mean_npv(study, i, reps, study.finance, {purchase.investment: v}) for v in (cost.low, cost.high)]
            note = f"this investment's capex and opex x the cost-estimate range ({cost.source})"
            inv = study.catalogue.get(purchase.investment)
            rows.append(_row(f"cost:{purchase.investment}", cost.low, cost.high, values, note, inv))
    if effects:
        rows += effect_rows(study, i, reps, base, demand_reps)
    return sorted(rows, key=lambda r: -abs(r["npv_high"] - r["npv_low"]))


def _row(
    name: str, low: float, high: float, values: list[float], source: str, investment: Investment | None = None
) -> dict:
    """One tornado row; a row of one investment's cost or effect carries its id and names for display."""
    row = {"assumption": name, "low": low, "high": high, "npv_low": _num(values[0], 2),
           "npv_high": _num(values[1], 2), "source": source}  # fmt: skip
    if investment is not None:
        row |= {"investment": investment.id, "name_en": investment.name_en, "name_zh": investment.name_zh}
    return row


def compare_paths(
    study: PathStudy,
    *,
    reps: int = 5,
    max_reps: int = 7,
    delta_cny: float | None = None,
    with_tornado: bool = True,
    tornado_names: Sequence[str] = MONEY_ONLY,
    tornado_effects: bool = False,
) -> dict:
    """Run what the paths need, select the best, and return the ``twin compare --json`` document."""
    study.ensure(reps)
    k = len(study.plans)
    capex = [p.capex_cny for p in study.plans]
    delta = delta_cny if delta_cny is not None else DELTA_SHARE * float(np.mean(capex))
    cost = study.finance.investment_cost_factor.value

    def npv_of(i: int, r: int) -> float:
        flows = study.money(i, r).flows
        return npv(study.finance.discount_rate.value, flows.net_without_awards)

    def sample(systems: Sequence[int], first_rep: int, n: int) -> np.ndarray:
        study.ensure(first_rep + n, plans=list(systems))
        return np.array([[npv_of(i, r) for i in systems] for r in range(first_rep, first_rep + n)])

    selection = select_best(sample, k, delta=max(delta, 1.0), alpha=1 - CONFIDENCE, n0=reps,
                            max_reps=max(max_reps, reps))  # fmt: skip
    names = [p.path.name for p in study.plans]
    base_reps = max(selection.reps)
    base_kpis = _kpis(study, study.baseline, base_reps)
    doc: dict = {
        "model": study.base.name,
        "seed": study.seed,
        "replications": reps,
        "days": study.days,
        "warmup_min": study.warmup_min,
        "horizon_years": study.finance.horizon_years,
        "simulated_replications": study.runs.simulated,
        "baseline": {
            "tier": study.baseline_tier,
            "kpis": _kpi_estimates(base_kpis),
        },
        "paths": {},
    }
    for i, plan in enumerate(study.plans):
        n = selection.reps[i]
        base = {kk: v[:n] for kk, v in base_kpis.items()}
        stages = []
        for stage, state, tier, money in zip(plan.path.stages, plan.states, plan.tiers, plan.stages, strict=True):
            kp = _kpis(study, state, n)
            stages.append(
                {
                    "year": stage.year,
                    "investments": list(stage.investments),
                    "capex_cny": round(sum(p.capex_cny for p in money.purchases) * cost, 2),
                    "tier": tier,
                    "saturated": study.runs.saturated(state, 1.0),
                    "kpis": _kpi_estimates(kp),
                    "delta_vs_baseline": {kk: _est(paired_difference(kp[kk], base[kk])) for kk in PLANT_KPIS},
                }
            )
        monies = [study.money(i, r) for r in range(n)]
        rate = study.finance.discount_rate.value
        nets = [m.flows.net_without_awards for m in monies]
        # IRR and payback of the expected (mean) flows agree with the expected NPV and the cash-flow chart:
        # an expected NPV > 0 at the discount rate is an expected-flow IRR above it (flows that change sign once)
        expected = np.mean(nets, axis=0)
        npvs = [npv(rate, f) for f in nets]
        npv_est = summarise(npvs)
        doc["paths"][plan.path.name] = {
            "name_en": plan.path.name_en,
            "name_zh": plan.path.name_zh,
            "description": plan.path.description,
            "source": plan.path.source,
            "capex_cny": round(plan.capex_cny * cost, 2),
            "replications": n,
            "stages": stages,
            "tier_timeline": [{"year": y, "tier": t} for y, t in study.tier_timeline(i)],
            "npv_cny": _money(npv_est),
            "awards_npv_cny": _money(summarise([npv(rate, m.flows.awards_after_tax) for m in monies])),
            "irr": {
                "expected": _num(irr(expected), 6),
                **_money(summarise([irr(f) for f in nets], [_no_irr_end(f) for f in nets]), 6),
            },
            "payback_years": {
                "expected": _num(discounted_payback(rate, expected), 3),
                **_money(summarise([discounted_payback(rate, f) for f in nets], math.inf), 3),
            },
            "p_npv_positive": _num(npv_est.p_positive, 4),
            "npv_samples": [round(v, 2) for v in npvs],
            "cash_flows": cash_flow_table(monies, rate),
        }
    best = selection.best
    doc["best_path"] = names[best]
    doc["selection"] = {
        "confidence": CONFIDENCE,
        "delta_cny": round(delta, 2),
        "replications": max(selection.reps),
        "separated": selection.separated,
        "unseparated": [names[j] for j in selection.unseparated],
        "statement": describe(selection, names),
    }
    doc["tornado"] = (
        tornado(study, best, selection.reps[best], tornado_names, effects=tornado_effects) if with_tornado else []
    )
    doc["assumptions"] = {
        name: {"value": a.value, "low": a.low, "high": a.high, "source": a.source or ""}
        for name in MONEY_ASSUMPTIONS
        for a in [getattr(study.finance, name)]
    }
    doc["assumptions"]["horizon_years"] = {
        "value": study.finance.horizon_years, "low": None, "high": None, "source": "finance: horizon_years"
    }  # fmt: skip
    doc["awards"] = [
        {"tier": a.tier, "amount_cny": a.amount_cny, "source": a.source or ""} for a in study.finance.awards
    ]
    doc["simulated_replications"] = study.runs.simulated
    return doc


CASH_LINES = ("revenue", "material", "direct_labour", "indirect_labour", "energy", "maintenance", "overhead",
              "escapes", "inventory_carrying")  # fmt: skip


def cash_flow_table(monies, rate: float) -> list[dict]:
    """Mean yearly lines over replications (incremental to doing nothing, CNY; a cost line > 0 is more cost)."""
    years = len(monies[0].flows.net)

    def mean(get) -> np.ndarray:
        return np.mean([get(m) for m in monies], axis=0)

    cols = {line: mean(lambda m, line=line: m.lines[line]) for line in CASH_LINES}
    cols["installation_loss"] = mean(lambda m: m.installation)
    cols["opex"] = mean(lambda m: m.opex)
    cols["operating"] = mean(lambda m: m.operating)
    cols["capex"] = mean(lambda m: m.flows.capex)
    cols["residual_value"] = mean(lambda m: m.residual)
    cols["depreciation"] = mean(lambda m: m.flows.depreciation)
    cols["tax"] = mean(lambda m: m.flows.tax)
    cols["awards_after_tax"] = mean(lambda m: m.flows.awards_after_tax)
    cols["net"] = mean(lambda m: m.flows.net_without_awards)
    cols["cumulative_discounted"] = np.cumsum(cols["net"] / (1 + rate) ** np.arange(years))
    return [{"year": y, **{k: round(float(v[y]), 2) for k, v in cols.items()}} for y in range(years)]
