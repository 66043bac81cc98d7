"""Tier assessment: which tier a plant meets, per-element scores, and the gap to the next tier.

An indicative self-assessment aid built from public descriptions of the element conditions; it
is not the official evaluation. Which investments close a gap is computed, not listed by hand:
each catalogue investment (with any prerequisite it still needs) is applied to the plant and the
criterion re-checked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from twin.plan.investments import apply_investments, order_investments
from twin.spec import Factory, SpecError, data_dir
from twin.spec.investment import TIERS, Catalogue
from twin.spec.loader import load_yaml_as
from twin.spec.rubric import Check, Criterion, Rubric
from twin.tiers.profile import MODES, Profile, capability_profile


def load_rubric(path: str | Path | None = None) -> Rubric:
    rubric, _ = load_yaml_as(Rubric, Path(path) if path else data_dir("scenarios") / "tiers.yaml")
    return rubric


CHOICES = ("scheduling", "maintenance", "inspection", "energy", "material")
"""Profile attributes a check tests with ``<name>_in: [allowed values]``."""


def _evaluate(check: Check, p: Profile) -> tuple[bool, str]:
    """Whether the profile passes the check, and the requirement in words with what the plant has now."""
    if check.networked_share_min is not None:
        return (
            p.networked_share >= check.networked_share_min,
            f"networked machines >= {check.networked_share_min:.0%} (now {p.networked_share:.0%})",
        )
    if check.system is not None:
        return check.system in p.systems, f"system {check.system} (now: {', '.join(p.systems) or 'none'})"
    if check.flow is not None:
        now = p.flow_modes.get(check.flow, "none")
        return MODES.index(now) >= MODES.index(check.mode), f"{check.flow} flow at least {check.mode} (now {now})"
    if check.ai_share_min is not None:
        return (
            p.ai_share >= check.ai_share_min,
            f"AI in >= {check.ai_share_min:.0%} of implemented scenarios (now {p.ai_share:.0%})",
        )
    if check.cmmm_min is not None:
        return p.cmmm_level >= check.cmmm_min, f"CMMM level >= {check.cmmm_min} (estimated now {p.cmmm_level})"
    if check.scenarios_min is not None:
        return (
            len(p.scenarios) >= check.scenarios_min,
            f">= {check.scenarios_min} typical scenarios implemented (now {len(p.scenarios)})",
        )
    for name in CHOICES:
        allowed = getattr(check, f"{name}_in")
        if allowed is not None:
            value = getattr(p, name)
            return value in allowed, f"{name} one of {', '.join(allowed)} (now {value})"
    raise AssertionError("a check always has one test")


def check_passes(check: Check, p: Profile) -> bool:
    return _evaluate(check, p)[0]


def describe_gap(check: Check, p: Profile) -> str:
    """What is missing, in words: the requirement and what the plant has now."""
    return _evaluate(check, p)[1]


@dataclass
class Gap:
    criterion: Criterion
    missing: str
    closed_by: list[str]


@dataclass
class Assessment:
    model: str
    tier: str
    profile: Profile
    passed: dict[str, bool]
    scores: dict[str, float]
    gaps: list[Gap] = field(default_factory=list)
    next_tier: str | None = None

    def to_dict(self) -> dict:
        return {
            "model": self.model,
            "tier": self.tier,
            "scores": self.scores,
            "gaps": [
                {"criterion": g.criterion.id, "tier": g.criterion.tier, "missing": g.missing, "closed_by": g.closed_by}
                for g in self.gaps
            ],
        }


def _met_tier(rubric: Rubric, passed: dict[str, bool]) -> str:
    tier = "below_basic"
    for t in TIERS:
        if all(passed[c.id] for c in rubric.criteria if c.tier == t):
            tier = t
        else:
            break
    return tier


def _scores(rubric: Rubric, passed: dict[str, bool]) -> dict[str, float]:
    """Per element: weighted share of its criteria met, over all tiers."""
    totals: dict[str, list[float]] = {}
    for c in rubric.criteria:
        acc = totals.setdefault(c.element, [0.0, 0.0])
        acc[0] += c.weight * passed[c.id]
        acc[1] += c.weight
    return {element: round(got / total, 4) for element, (got, total) in totals.items()}


def _profiles_after_each_investment(factory: Factory, catalogue: Catalogue) -> dict[str, tuple[Profile, Profile]]:
    """For each investment not yet made: (profile with its missing prerequisites only, profile with it too)."""
    out = {}
    for inv in catalogue.investments:
        if inv.id in factory.investments:
            continue
        chain = _prerequisite_chain(catalogue, inv.id, set(factory.investments))
        try:
            ordered = order_investments(catalogue, [*chain, inv.id], factory.investments)
            with_it = apply_investments(factory, ordered)
            before = apply_investments(factory, ordered[:-1]) if chain else factory
        except SpecError:
            continue  # does not fit this plant
        out[inv.id] = (capability_profile(before), capability_profile(with_it))
    return out


def _prerequisite_chain(catalogue: Catalogue, inv_id: str, have: set[str]) -> list[str]:
    chain: list[str] = []

    def visit(i: str) -> None:
        for p in catalogue.get(i).prerequisites:
            if p not in have and p not in chain:
                visit(p)
                chain.append(p)

    visit(inv_id)
    return chain


def assess(factory: Factory, rubric: Rubric, catalogue: Catalogue | None = None) -> Assessment:
    """Tier met today, element scores, and the failing criteria up to the next tier with their closers."""
    profile = capability_profile(factory)
    passed = {c.id: check_passes(c.check, profile) for c in rubric.criteria}
    tier = _met_tier(rubric, passed)
    next_tier = None if tier == "leading" else TIERS[0 if tier == "below_basic" else TIERS.index(tier) + 1]
    result = Assessment(factory.name, tier, profile, passed, _scores(rubric, passed), next_tier=next_tier)
    if next_tier is None:
        return result
    after = _profiles_after_each_investment(factory, catalogue) if catalogue else {}
    limit = TIERS.index(next_tier)
    for c in rubric.criteria:
        if passed[c.id] or TIERS.index(c.tier) > limit:
            continue
        closers = [
            inv
            for inv, (before, with_it) in after.items()
            if check_passes(c.check, with_it) and not check_passes(c.check, before)
        ]
        result.gaps.append(Gap(c, describe_gap(c.check, profile), closers))
    return result
