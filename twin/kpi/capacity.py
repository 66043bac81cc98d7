"""Capacity headroom: the most good units per hour the plant can sustain, next to what demand asks.

A demand-bound plant produces what is ordered, so its throughput says nothing about what an
investment frees. The capacity run keeps everything the plant is (stations, calendar, dispatching,
maintenance, information flows) and changes only the orders: each order brings ``demand_factor``
times its lot, so a backlog builds up in the demand's own product mix, and the backlog is released
under CONWIP, so work in process stays bounded and the run reaches a steady state. Lines that share no
station get a loop each (``Release.loops = "line"``): under one plant-wide loop the work in process
drifts into whichever line fell behind and the others starve. The capacity run's throughput is
the maximum sustainable throughput of the plant in that state. The cap is ``WIP_PER_MACHINE`` units
per machine, enough that every machine has a queue, or the plant's own CONWIP cap if larger: a cap an
APS sets for today's orders would be raised with the orders, and capacity is what the machines,
people and information flows can do when work is always there. Both runs share one warm-up and the
random numbers of every entity (:func:`twin.run.experiment.compare`), so the headroom is a paired
difference.
"""

from __future__ import annotations

from dataclasses import dataclass

from twin.kpi.stats import Estimate
from twin.run.experiment import ORDERS_PILE_UP, Comparison, Model, SimulationResult, Warmup, base_factory, compare
from twin.spec.factory import Factory, Release

DEMAND_FACTOR = 3
WIP_PER_MACHINE = 50
SATURATION = 0.95
"""A capacity run whose throughput reaches this share of the offered demand may not have been saturated."""


@dataclass
class Capacity:
    """Demand-bound and capacity runs of one plant (variant 0 and 1 of ``runs``)."""

    runs: Comparison
    offered_per_h: float
    """Units per hour the scaled-up orders bring (before scrap)."""

    @property
    def throughput(self) -> Estimate:
        """Demand-bound throughput, good units per hour."""
        return self.runs.results[0].kpis["throughput_per_h"]

    @property
    def max_throughput(self) -> Estimate:
        """Maximum sustainable throughput, good units per hour."""
        return self.runs.results[1].kpis["throughput_per_h"]

    @property
    def bottleneck(self) -> str:
        """Where capacity runs out (:func:`capacity_bottleneck` of the saturated run)."""
        return capacity_bottleneck(self.runs.results[1])

    @property
    def headroom(self) -> Estimate:
        """Maximum sustainable minus demand-bound throughput, paired by replication (units per hour)."""
        return self.runs.delta("throughput_per_h", 1, 0)

    def freed_machine_h_per_week(self) -> dict[str, float]:
        """Per station, machine-hours a week with no unit to work on at today's demand: capacity that more
        orders could use."""
        return {st: kp["starved_machine_h_per_week"].mean for st, kp in self.runs.results[0].stations.items()}

    @property
    def warnings(self) -> list[str]:
        held = self.runs.results[1].warnings  # the capacity run holds its backlog by design
        out = list(
            dict.fromkeys([*self.runs.results[0].warnings, *(w for w in held if not w.startswith(ORDERS_PILE_UP))])
        )
        top = self.max_throughput.mean
        if top is not None and top >= SATURATION * self.offered_per_h:
            out.append(
                f"the capacity run produced {top:.1f} of the {self.offered_per_h:.1f} units/h offered: the plant may "
                "not have been saturated; run with a larger demand_factor"
            )
        return out


def capacity_bottleneck(saturated_run: SimulationResult) -> str:
    """Where capacity runs out: the station of a saturated run that least often waits for work or for space
    (the largest share of planned busy time neither starved nor blocked).

    Not the active-period method the demand-bound results use: a batch furnace's cycles are long active
    periods at any load, so that method names it even where other stations are busier.
    """

    def busy(name: str) -> float:
        kp = saturated_run.stations[name]
        return 1.0 - (kp["starved_share"].mean or 0.0) - (kp["blocked_share"].mean or 0.0)

    return max(saturated_run.stations, key=busy)


def saturating_variant(plant: Factory, demand_factor: int = DEMAND_FACTOR) -> Factory:
    """The plant with every order ``demand_factor`` times larger, released under CONWIP, at regular hours.

    Overtime is left out: a plant behind every day would work it every day, beyond the legal monthly
    cap; it is a way to catch up, not capacity to plan on."""
    if plant.policies.release.policy == "saturated":
        return plant
    products = []
    for p in plant.products:
        d = p.demand
        if d is not None:
            plan = [e.model_copy(update={"qty": e.qty * demand_factor}) for e in d.plan]
            d = d.model_copy(update={"lot_size": d.lot_size * demand_factor, "plan": plan})
        products.append(p.model_copy(update={"demand": d}))
    own = plant.policies.release.cap if plant.policies.release.policy == "conwip" else 0
    cap = max(own, WIP_PER_MACHINE * sum(s.machines for s in plant.stations))
    release = Release(policy="conwip", cap=cap, loops="line")
    policies = plant.policies.model_copy(update={"release": release, "overtime": None})
    return plant.model_copy(update={"products": products, "policies": policies})


def offered_units_per_h(plant: Factory) -> float:
    """Mean units per hour the random orders of ``plant`` bring (release plans aside)."""
    rate = 0.0
    for p in plant.products:
        if p.demand is not None and p.demand.interarrival_min is not None:
            rate += p.demand.lot_size / p.demand.interarrival_min.mean * 60
    return rate


@dataclass(frozen=True)
class Saturated:
    """A model run saturated: a plant, or a plant with uncertain investment effects drawn per replication."""

    model: Model
    demand_factor: int = DEMAND_FACTOR

    @property
    def base(self) -> Factory:
        return saturating_variant(base_factory(self.model), self.demand_factor)

    def for_replication(self, seed: int, replication: int) -> Factory:
        plant = self.model if isinstance(self.model, Factory) else self.model.for_replication(seed, replication)
        return saturating_variant(plant, self.demand_factor)


def capacity(
    plant: Model,
    *,
    seed: int = 1,
    reps: int | None = None,
    days: float | None = None,
    warmup: Warmup | None = None,
    demand_factor: int = DEMAND_FACTOR,
    jobs: int = 1,
) -> Capacity:
    """Run ``plant`` as it is and saturated (see the module docstring) with common random numbers."""
    saturated = Saturated(plant, demand_factor)
    runs = compare([plant, saturated], days=days, reps=reps, warmup=warmup, seed=seed, jobs=jobs)
    return Capacity(runs, offered_rate(saturated))


def offered_rate(saturated: Saturated) -> float:
    """Units per hour the scaled-up orders bring (infinite for a plant already saturated)."""
    base = saturated.base
    return float("inf") if base.policies.release.policy == "saturated" else offered_units_per_h(base)
