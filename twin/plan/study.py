"""Upgrade paths valued against doing nothing: KPIs per stage, tier timeline, money as distributions.

The data flow: paths file → plant state after each stage (:mod:`twin.plan.projection`) → each distinct
(state, demand level) simulated once with common random numbers → yearly lines per state →
incremental cash flows per path and replication (:mod:`twin.economics.projection`) → NPV, IRR and
payback per replication → summaries, the best path (ranking and selection) and the tornado.
Replication r of a path's NPV uses replication r of every state it meets and of the baseline, so
the difference between two paths is paired too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from twin.economics.cashflow import discounted_payback, irr, npv
from twin.economics.projection import (
    LINES,
    PathMoney,
    Purchase,
    StageMoney,
    operating_lines,
    path_money,
)
from twin.plan.investments import Scenario, priced
from twin.plan.projection import (
    PlantState,
    StateRuns,
    baseline_state,
    demand_levels,
    grid_levels,
    path_states,
)
from twin.run.executors import Executor
from twin.spec.factory import Factory
from twin.spec.finance import Finance
from twin.spec.investment import TIERS, Catalogue
from twin.spec.path import UpgradePath
from twin.spec.select import SelectionError, select
from twin.tiers.assess import assess, load_rubric

Progress = Callable[[str, float], None]


def mean_price(plant: Factory, level: float = 1.0) -> tuple[float, dict[str, float]]:
    """Demand-weighted selling price per unit, and each product's orders in units per hour at ``level``."""
    rates = {}
    for p in plant.products:
        d = p.demand
        if d is not None and d.interarrival_min is not None:
            rates[p.name] = d.lot_size / d.interarrival_min.mean * 60 * level
        elif d is not None and d.plan:
            horizon = max(e.at_min for e in d.plan) or 1.0
            rates[p.name] = sum(e.qty for e in d.plan) / horizon * 60 * level
    total = sum(rates.values())
    if total <= 0:
        return 0.0, rates
    price = sum(rates[p.name] * p.price_cny for p in plant.products if p.name in rates) / total
    return price, rates


def lost_margin(plant: Factory, investments, rates: dict[str, float]) -> float:
    """Margin (price − material) of the units not made while the stations each investment stops are down.

    Installations of one stage are taken one after another; a product loses the days of every
    installation that stops a station on its routing. Catching up afterwards is not counted.
    """
    data = plant.model_dump(by_alias=True, exclude_none=True)["stations"]
    lost = 0.0
    for inv in investments:
        if inv.install.days <= 0:
            continue
        try:
            stopped = {data[i]["name"] for i in select(data, inv.install.stations, "stations")}
        except SelectionError:
            stopped = set()
        for p in plant.products:
            if p.name in rates and any(step.station in stopped for step in p.routing):
                lost += rates[p.name] * 24 * inv.install.days * (p.price_cny - p.material_cost_cny)
    return lost


@dataclass
class PathPlan:
    """A path ready to value: its plant states, tiers and what each stage buys."""

    path: UpgradePath
    states: list[PlantState]
    tiers: list[str]
    stages: list[StageMoney]

    @property
    def capex_cny(self) -> float:
        return sum(p.capex_cny for s in self.stages for p in s.purchases)


@dataclass
class PathStudy:
    """Everything ``twin compare`` computes, from one set of simulations shared by all paths."""

    base: Factory
    paths: list[UpgradePath]
    finance: Finance
    catalogue: Catalogue
    days: float = 21.0
    warmup_min: float = 7 * 1440.0
    seed: int = 1
    jobs: int = 1
    progress: Progress | None = None
    executor: Executor | None = None
    """Where replications run; unset, this process or a pool of ``jobs`` processes."""
    plans: list[PathPlan] = field(init=False)
    runs: StateRuns = field(init=False)

    def __post_init__(self) -> None:
        self.baseline = baseline_state(self.base)
        self.price, self.rates = mean_price(self.base)
        rubric = load_rubric()
        self.baseline_tier = assess(self.base, rubric).tier
        self.plans = []
        for upgrade in self.paths:
            states = path_states(upgrade, self.base, self.catalogue)
            stages, before = [], self.base
            for stage, state in zip(upgrade.stages, states, strict=True):
                new = [self.catalogue.get(i) for i in state.investments if i not in before.investments]
                costs = priced(before, new)
                purchases = tuple(
                    Purchase(inv.id, capex, opex, inv.life_years, inv.economic_life_years)
                    for inv, (capex, opex) in zip(new, costs, strict=True)
                )
                ramp = max((inv.ramp_up_months for inv in new), default=0.0)
                stages.append(StageMoney(stage.year, ramp, lost_margin(before, new, self.rates), purchases))
                before = state.plant
            tiers = [assess(s.plant, rubric).tier for s in states]
            self.plans.append(PathPlan(upgrade, states, tiers, stages))
        self.runs = StateRuns(days=self.days, warmup=self.warmup_min, seed=self.seed, jobs=self.jobs,
                              progress=self.progress, executor=self.executor)  # fmt: skip

    # --- simulation -------------------------------------------------------------------------------

    def levels(self, finance: Finance | None = None) -> list[float]:
        f = finance or self.finance
        return demand_levels(f.demand_growth.value, f.horizon_years)

    def grid(self, finance: Finance | None = None) -> list[float]:
        """Demand levels simulated for ``finance``'s demand path.

        The study's own demand growth gets the full grid; another one (the tornado's low and high) only
        today's level and its extremes, interpolated linearly, to keep the sensitivity view cheap.
        """
        levels = self.levels(finance)
        if finance is None or finance.demand_growth.value == self.finance.demand_growth.value:
            return grid_levels(levels)
        return sorted({1.0, round(min(levels), 6), round(max(levels), 6)})

    def ensure(self, reps: int, plans: Sequence[int] | None = None, finance: Finance | None = None) -> None:
        """Simulate what the chosen paths (default: all) need for ``reps`` replications."""
        grid = self.grid(finance)
        chosen = range(len(self.plans)) if plans is None else plans
        states = [self.baseline, *(s for i in chosen for s in self.plans[i].states)]
        unique = list({s.key: s for s in states}.values())
        self.runs.ensure([(s, m) for s in unique for m in grid], reps)

    def state_lines(self, state: PlantState, rep: int, finance: Finance) -> list[dict[str, float]]:
        """A state's yearly lines at each year's demand (today's prices), for replication ``rep``."""
        grid = self.grid(finance)
        carrying, offered = finance.inventory_carrying_rate.value, sum(self.rates.values())
        at = {
            m: operating_lines(
                self.runs.kpis(state, m)[rep], self.price, carrying,
                None if self.runs.saturated(state, m) else offered * m,
            )
            for m in grid
        }  # fmt: skip
        out = []
        for m in self.levels(finance):
            lo = max((g for g in grid if g <= m + 1e-6), default=grid[0])
            hi = min((g for g in grid if g >= m - 1e-6), default=grid[-1])
            w = 0.0 if hi == lo else min(1.0, max(0.0, (m - lo) / (hi - lo)))
            out.append({k: (1 - w) * at[lo][k] + w * at[hi][k] for k in LINES})
        return out

    # --- money ------------------------------------------------------------------------------------

    def awards(self, plan: PathPlan, finance: Finance) -> np.ndarray:
        """Awards paid in the first year each tier is reached (none for a tier the plant has today)."""
        out = np.zeros(finance.horizon_years + 1)
        have = TIERS.index(self.baseline_tier) if self.baseline_tier in TIERS else -1
        for award in finance.awards:
            need = TIERS.index(award.tier)
            if need <= have:
                continue
            for stage, tier in zip(plan.stages, plan.tiers, strict=True):
                if tier in TIERS and TIERS.index(tier) >= need:
                    out[stage.year] += award.amount_cny
                    break
        return out

    def effect_states(self, i: int, investment: str, q: float) -> list[PlantState]:
        """Path ``i``'s states with one investment's effect factors fixed at their ``q`` quantile (in the
        states that have it; the others are the path's own)."""
        out = []
        for state in self.plans[i].states:
            if investment in state.investments and isinstance(state.model, Scenario):
                model = Scenario(state.model.base, state.model.investments, ((investment, q),))
                key = f"{state.key}|{investment}@{q:g}"
                out.append(PlantState(key, state.investments, model, state.plant))
            else:
                out.append(state)
        return out

    def ensure_states(self, states: Sequence[PlantState], reps: int, finance: Finance | None = None) -> None:
        """Simulate the given states (and the baseline) at the demand levels ``finance`` needs."""
        grid = self.grid(finance)
        unique = list({s.key: s for s in (self.baseline, *states)}.values())
        self.runs.ensure([(s, m) for s in unique for m in grid], reps)

    def money(
        self,
        i: int,
        rep: int,
        finance: Finance | None = None,
        cost_factors: dict[str, float] | None = None,
        states: Sequence[PlantState] | None = None,
    ) -> PathMoney:
        """Path ``i``'s yearly money in replication ``rep`` (investment costs scaled by the finance's factor,
        and named investments' by ``cost_factors``; ``states`` in place of the path's own, e.g. with an
        effect fixed)."""
        f = finance or self.finance
        plan = self.plans[i]
        own = plan.states if states is None else states
        lines = [self.state_lines(self.baseline, rep, f)] + [self.state_lines(s, rep, f) for s in own]
        return path_money(
            lines, plan.stages, f, self.awards(plan, f), cost_factor=f.investment_cost_factor.value,
            cost_factors=cost_factors,
        )  # fmt: skip

    def npv_samples(self, i: int, reps: int, finance: Finance | None = None, with_awards: bool = False) -> list[float]:
        f = finance or self.finance
        out = []
        for r in range(reps):
            flows = self.money(i, r, f).flows
            out.append(npv(f.discount_rate.value, flows.net if with_awards else flows.net_without_awards))
        return out

    def figures(self, i: int, reps: int) -> dict[str, list[float | None]]:
        """NPV (without awards), NPV of the awards, IRR and discounted payback per replication."""
        f = self.finance
        rate = f.discount_rate.value
        out: dict[str, list[float | None]] = {"npv": [], "awards_npv": [], "irr": [], "payback": []}
        for r in range(reps):
            flows = self.money(i, r).flows
            out["npv"].append(npv(rate, flows.net_without_awards))
            out["awards_npv"].append(npv(rate, flows.awards_after_tax))
            out["irr"].append(irr(flows.net_without_awards))
            out["payback"].append(discounted_payback(rate, flows.net_without_awards))
        return out

    def tier_timeline(self, i: int) -> list[tuple[int, str]]:
        """The tier at the end of each year (a stage is assessed once installed, in its own year)."""
        plan = self.plans[i]
        out, tier = [], self.baseline_tier
        by_year = {s.year: t for s, t in zip(plan.stages, plan.tiers, strict=True)}
        for y in range(self.finance.horizon_years + 1):
            tier = by_year.get(y, tier)
            out.append((y, tier))
        return out
