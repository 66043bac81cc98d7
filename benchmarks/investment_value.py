"""What each catalogue investment is worth a year on the default plant, against what it costs a year.

Run on demand: ``python benchmarks/investment_value.py [--days 28] [--reps 5] [--seed 1] [--jobs 1]
[--level 1.0] [--plant precision_machining]``.

Each investment that fits the plant (``twin investments --plant``) is valued twice:

* **on basic**: the basic plant with the investment's prerequisites in place, with and without it (an
  investment without prerequisites is valued alone);
* **off excellent**: the excellent preset, with and without it; an investment other preset items
  need is removed together with them, and the row names them and carries their cost too.

Every plant state is simulated once (:class:`twin.plan.projection.StateRuns`: one seed, one fixed
warm-up, common random numbers), so each value is a paired difference replication by replication.
A state's yearly money are the operating lines ``twin compare`` values
(:func:`twin.economics.projection.operating_lines`) at the plant's demand × ``--level``. A state that
keeps up with its orders delivers what is ordered, making a scrapped unit again (:func:`as_ordered`),
so its revenue is the same with and without the investment and the value is the change of its cost
lines: material (scrap), labour, energy, maintenance, overhead, claims and WIP carrying. A state that
cannot keep up is run saturated and sells what it makes, so where capacity binds the margin on the
extra sales is in the value. So does a state run demand-bound that makes clearly less than the base
plant makes from the same orders (:data:`KEEPS_UP`): under workload release its orders wait before
release, where the floor-WIP trend that tells ``StateRuns`` a state is overloaded cannot see them.
At today's prices and at steady state (no ramp-up, no installation loss, no tax).

Against it, the yearly cost: straight-line depreciation over the economic life, opex, and a capital
charge at the finance discount rate (the capital recovery factor minus 1/life, so that depreciation
plus capital charge is the equivalent annual cost of the capex). Sorted by value / cost.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass

from twin.economics.assumptions import load_finance
from twin.economics.projection import LINES, margin, operating_lines
from twin.kpi.stats import Estimate, estimate
from twin.plan.investments import Scenario, apply_investments, fit_report, load_catalogue, order_investments, priced
from twin.plan.presets import load_model, load_presets
from twin.plan.projection import PlantState, StateRuns, content_key
from twin.plan.study import mean_price
from twin.spec.factory import Factory
from twin.spec.investment import Catalogue, Investment

KEEPS_UP = 0.95
"""A state run demand-bound that makes less than this share of what the base plant makes from the same
orders (or of the good units ordered, where the base plant is saturated) does not keep up: a shortfall
beyond a busy window's lag, as the base plant's window output varies by ±3-4 % with the orders that
arrive in it."""
SHORT = {"revenue": "rev", "material": "mat", "direct_labour": "DL", "indirect_labour": "IL", "energy": "en",
         "maintenance": "mnt", "overhead": "ovh", "escapes": "claims", "inventory_carrying": "WIP"}  # fmt: skip


def capital_recovery(rate: float, years: float) -> float:
    """Equivalent annual cost of 1 CNY spent today and used up over ``years`` at ``rate``."""
    return 1 / years if rate == 0 else rate / (1 - (1 + rate) ** -years)


def yearly_cost(made: list[Investment], costs: list[tuple[float, float]], rate: float) -> tuple[float, float, float]:
    """(capex, depreciation + opex, capital charge) per year of investments priced as ``costs``."""
    capex = sum(c for c, _ in costs)
    dep_opex = sum(c / inv.economic_life_years + o for inv, (c, o) in zip(made, costs, strict=True))
    charge = sum(c * (capital_recovery(rate, inv.economic_life_years) - 1 / inv.economic_life_years)
                 for inv, (c, _) in zip(made, costs, strict=True))  # fmt: skip
    return capex, dep_opex, charge


class States:
    """Plant states of the base plant, keyed by the (canonically ordered) investments they have."""

    def __init__(self, base: Factory, catalogue: Catalogue):
        self.base, self.catalogue = base, catalogue
        self.made: dict[tuple[str, ...], PlantState] = {}

    def ordered(self, ids: set[str], already: set[str] = frozenset()) -> list[Investment]:
        """The investments in catalogue order, prerequisites first (one order, so one key per set)."""
        wanted = sorted(ids, key=self.catalogue.ids.index)
        return order_investments(self.catalogue, wanted, sorted(already), where="investment_value")

    def state(self, ids: set[str]) -> PlantState:
        invs = self.ordered(ids)
        names = tuple(i.id for i in invs)
        if names not in self.made:
            plant = apply_investments(self.base, invs, where="investment_value")
            self.made[names] = PlantState(content_key(self.base, names), names, Scenario(self.base, tuple(invs)), plant)
        return self.made[names]


def prerequisites(catalogue: Catalogue, inv_id: str) -> set[str]:
    out: set[str] = set()
    for p in catalogue.get(inv_id).prerequisites:
        out |= {p, *prerequisites(catalogue, p)}
    return out


def dependents(catalogue: Catalogue, inv_id: str, among: set[str]) -> set[str]:
    """``inv_id`` and every investment in ``among`` that needs it, directly or through another."""
    out = {inv_id}
    for i in among:
        if inv_id in prerequisites(catalogue, i):
            out.add(i)
    return out


def as_ordered(kpis: dict[str, float], material_cny: float) -> dict[str, float]:
    """A demand-bound state's KPIs read as delivering every unit ordered.

    A scrapped unit is made again (an OEM call-off is filled, not shipped short), so scrap costs the
    material of the units started again, not a lost sale: material per good unit is the order mix's
    material (``material_cny`` per unit ordered) over the yield. Taken from the scrap rate rather than
    the window's material per completion, which moves with the window's change of WIP (noise).
    """
    yield_ = 1 - kpis["scrap_rate"]
    return {**kpis, "scrap_rate": 0.0, "cost_material_cny": material_cny / yield_}


@dataclass
class Row:
    item: str
    removed: tuple[str, ...]
    capex: float
    dep_opex: float
    charge: float
    saving: Estimate
    lines: dict[str, Estimate]
    saturated: bool

    @property
    def cost(self) -> float:
        return self.dep_opex + self.charge

    @property
    def ratio(self) -> float:
        return (self.saving.mean or 0.0) / self.cost if self.cost > 0 else float("inf")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--plant", default="precision_machining")
    ap.add_argument("--top", default=None, help="preset to value removals from (default: <plant>_excellent)")
    ap.add_argument("--days", type=float, default=28)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--warmup", type=float, default=10080.0)
    ap.add_argument("--level", type=float, default=1.0, help="demand as a multiple of the plant's orders")
    ap.add_argument("--only", default=None, help="comma-separated ids to value (default: every one that fits)")
    ap.add_argument("--all-lines", action="store_true", help="print every line's change with its interval")
    args = ap.parse_args()
    started = time.perf_counter()

    catalogue = load_catalogue()
    finance = load_finance()
    rate, carrying = finance.discount_rate.value, finance.inventory_carrying_rate.value
    base = load_model(args.plant)
    top_name = args.top or f"{args.plant}_excellent"
    top: set[str] = set()
    name = top_name
    presets = load_presets()
    while name in presets:
        top |= set(presets[name].investments)
        name = presets[name].base
    fits = [f.investment.id for f in fit_report(base, catalogue) if f.fits and f.investment.id not in base.investments]
    if args.only:
        fits = [i for i in fits if i in args.only.split(",")]

    states = States(base, catalogue)
    pairs: list[tuple[str, str, set[str], set[str], PlantState, PlantState]] = []
    for i in fits:
        pre = prerequisites(catalogue, i)
        pairs.append(("on basic", i, pre, {i}, states.state(pre | {i}), states.state(pre)))
    for i in (i for i in fits if i in top):
        gone = dependents(catalogue, i, top)
        pairs.append(("off " + top_name.removeprefix(args.plant + "_"), i, top - gone, gone,
                      states.state(top), states.state(top - gone)))  # fmt: skip

    pairs.append(("whole preset", top_name, set(), top, states.state(top), states.state(set())))
    runs = StateRuns(days=args.days, warmup=args.warmup, seed=args.seed, jobs=args.jobs)
    unique = list({s.key: s for p in pairs for s in p[4:]}.values())
    print(f"simulating {len(unique)} plant states x {args.reps} replications ...", flush=True)
    runs.ensure([(s, args.level) for s in unique], args.reps)

    price, rates = mean_price(base)
    offered = sum(rates.values()) * args.level
    material = sum(rates[p.name] * p.material_cost_cny for p in base.products if p.name in rates) / sum(rates.values())

    def output(state: PlantState) -> float:
        kpis = runs.kpis(state, args.level)
        return sum(k["throughput_per_h"] for k in kpis) / len(kpis)

    base_state = states.state(set())
    runs.ensure([(base_state, args.level)], args.reps)
    if runs.saturated(base_state, args.level):
        scrap = [k["scrap_rate"] for k in runs.kpis(base_state, args.level)]
        reference = offered * (1 - sum(scrap) / len(scrap))
    else:  # the same orders arrived in its window (common random numbers): a paired yardstick
        reference = output(base_state)

    def short(state: PlantState) -> bool:
        """Run demand-bound but making clearly less than is ordered: its orders wait before release
        (workload control), where the floor's WIP trend that ``StateRuns`` reads cannot see them grow."""
        return not runs.saturated(state, args.level) and output(state) < KEEPS_UP * reference

    def capped(state: PlantState) -> bool:
        return runs.saturated(state, args.level) or short(state)

    def lines(state: PlantState) -> list[dict[str, float]]:
        if capped(state):
            return [operating_lines(k, price, carrying) for k in runs.kpis(state, args.level)]
        return [
            operating_lines(as_ordered(k, material), price, carrying, offered) for k in runs.kpis(state, args.level)
        ]

    tables: dict[str, list[Row]] = {}
    for view, item, before_ids, gone, with_state, without_state in pairs:
        made = states.ordered(gone, before_ids)
        before = apply_investments(base, states.ordered(before_ids), where="investment_value") if before_ids else base
        capex, dep_opex, charge = yearly_cost(made, priced(before, made), rate)
        w, wo = lines(with_state), lines(without_state)
        saving = estimate([margin(a) - margin(b) for a, b in zip(w, wo, strict=True)])
        moved = {line: estimate([a[line] - b[line] for a, b in zip(w, wo, strict=True)]) for line in LINES}
        sat = capped(with_state) or capped(without_state)
        removed = tuple(sorted(gone - {item}, key=catalogue.ids.index))
        tables.setdefault(view, []).append(Row(item, removed, capex, dep_opex, charge, saving, moved, sat))

    print(f"{args.plant}: yearly value of each investment at steady state, demand x{args.level:g}: {args.days:g} days, "
          f"warm-up {args.warmup:g} min, {args.reps} replications, seed {args.seed}; capital charge at "
          f"{rate:.0%} ({time.perf_counter() - started:.0f} s)")  # fmt: skip
    print(
        "value = Δ(revenue − cost lines) per year (paired, 95 % CI); cost = depreciation over the economic life"
        " + opex + capital charge; lines: changes whose CI excludes 0, + = more money (k CNY/yr)"
    )
    width = 2 + max([22, *(len(r.item) + 5 for view, rows in tables.items() if view != "whole preset" for r in rows)])
    for view, rows in tables.items():
        print(f"\n{view}" + (f": {top_name} against {args.plant}" if view == "whole preset" else ""))
        head = f"{'item':{width}}{'capex k':>9}{'cost k/yr':>10}{'value k/yr':>12}{'95% CI':>18}{'ratio':>7}"
        print(head + "  lines that move")
        for r in sorted(rows, key=lambda r: -r.ratio):
            ci = f"[{(r.saving.lo or 0) / 1e3:,.0f}, {(r.saving.hi or 0) / 1e3:,.0f}]"
            moved = ", ".join(
                f"{SHORT[k]} {(-e.mean if k != 'revenue' else e.mean) / 1e3:+,.0f}"
                for k, e in sorted(r.lines.items(), key=lambda kv: -abs(kv[1].mean or 0))
                if e.lo is not None and (e.lo > 0 or e.hi < 0) and abs(e.mean) >= 1e3
            )
            shown = "all" if view == "whole preset" else r.item
            more = f" (+{len(r.removed)})" if r.removed and shown != "all" else ""
            label = shown + more + ("*" if r.saturated else "")
            print(f"{label:{width}}{r.capex / 1e3:>9,.0f}{r.cost / 1e3:>10,.0f}{(r.saving.mean or 0) / 1e3:>12,.0f}"
                  f"{ci:>18}{r.ratio:>7.2f}  {moved}")  # fmt: skip
        for r in rows:
            if r.removed and view != "whole preset":
                print(f"  {r.item} (+{len(r.removed)}): removed with {', '.join(r.removed)}, which need it")
    if args.all_lines:
        print("\nevery line's change, k CNY/yr (+ = more money), mean ± 95 % half-width")
        for view, rows in tables.items():
            for r in rows:
                cells = ", ".join(
                    f"{SHORT[k]} {(e.mean if k == 'revenue' else -e.mean) / 1e3:+,.0f}±{(e.half_width or 0) / 1e3:,.0f}"
                    for k, e in r.lines.items()
                )
                print(f"{view:14}{'all' if view == 'whole preset' else r.item:{width}}{cells}")
    if any(r.saturated for rows in tables.values() for r in rows):
        print("* a state of the pair cannot keep up with the demand: it sells what it makes (run saturated, or run")
        print("  with its own release rule and making less than ordered while its orders wait before release)")
    shorts = [s.investments for s in unique if short(s)]
    if shorts:
        print(
            f"{len(shorts)} state(s) run demand-bound made < {KEEPS_UP:.0%} of what the base plant made (valued as "
            "selling what they made): " + "; ".join("+".join(i) or "base" for i in shorts)
        )


if __name__ == "__main__":
    main()
