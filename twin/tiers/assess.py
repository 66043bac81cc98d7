"""Tier assessment: which tier a plant meets, per-element scores, and the gap to the next tier.

An indicative self-assessment aid built from public descriptions of the element conditions; it
is not the official evaluation. Which investments close a gap is computed, not listed by hand:
each catalogue investment (with any prerequisite it still needs) is applied to the plant and the
criterion re-checked; where none closes it alone, the smallest set that does is searched. A fact
the model must declare (CMMM level, size, finances...) is closed by declaring it, never by buying.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations
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


DECLARED = (
    "cmmm_level",
    "above_scale",
    "finances_sound_years",
    "safety_environment_record",
    "secure_key_technology",
    "organisation_talent",
    "declared_scenarios",
)
"""Profile fields the model declares rather than shows."""
MAX_COMBINATION = 3
"""Largest set of investments searched for a gap no single investment closes."""

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
        now = "not declared" if p.cmmm_level is None else f"declared L{p.cmmm_level}"
        return p.cmmm_level is not None and p.cmmm_level >= check.cmmm_min, f"CMMM level >= {check.cmmm_min} ({now})"
    if check.finances_sound_years_min is not None:
        years = p.finances_sound_years
        now = "not declared" if years is None else f"declared {years}"
        return years is not None and years >= check.finances_sound_years_min, (
            f"sound finances >= {check.finances_sound_years_min} years ({now})"
        )
    if check.declared is not None:
        value = getattr(p, check.declared)
        now = "not declared" if value is None else f"declared {str(value).lower()}"
        return value is True, f"{check.declared} declared true ({now})"
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
    """A failing criterion, what is missing, and what closes it (each with its missing prerequisites).

    ``closed_by`` lists the investments that close the gap alone; when none does, ``combination`` is
    the smallest set that closes it together (the cheapest such set), else empty. ``needs`` gives,
    for each of them, the prerequisites the plant does not have yet (bought with it, as ``twin
    compare`` would).
    """

    criterion: Criterion
    missing: str
    closed_by: list[str]
    combination: list[str] = field(default_factory=list)
    needs: dict[str, list[str]] = field(default_factory=dict)

    @property
    def declarable(self) -> bool:
        """A fact the model declares (CMMM level, finances, an enterprise requirement): closed by declaring
        it, never by an investment."""
        check = self.criterion.check
        return check.cmmm_min is not None or check.finances_sound_years_min is not None or check.declared is not None


@dataclass
class Assessment:
    model: str
    tier: str
    profile: Profile
    passed: dict[str, bool]
    scores: dict[str, float]
    gaps: list[Gap] = field(default_factory=list)
    next_tier: str | None = None

    criteria: list[Criterion] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "model": self.model,
            "tier": self.tier,
            "next_tier": self.next_tier,
            "scores": self.scores,
            "criteria": [
                {
                    "criterion": c.id,
                    "tier": c.tier,
                    "element": c.element,
                    "name_en": c.name_en,
                    "name_zh": c.name_zh,
                    "met": self.passed[c.id],
                    "now": describe_gap(c.check, self.profile),
                    "threshold": c.threshold,
                    "source": c.source,
                }
                for c in self.criteria
            ],
            "declared": {k: v for k, v in self.profile.to_dict().items() if k in DECLARED},
            "profile": {k: v for k, v in self.profile.to_dict().items() if k not in DECLARED},
            "gaps": [
                {
                    "criterion": g.criterion.id,
                    "tier": g.criterion.tier,
                    "missing": g.missing,
                    "closed_by": g.closed_by,
                    "combination": g.combination,
                    "needs": g.needs,
                    "declarable": g.declarable,
                }
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


def _with_prerequisites(catalogue: Catalogue, ids: list[str], have: set[str]) -> list[str]:
    """The investments with the prerequisites they still need, prerequisites first."""
    out: list[str] = []
    for i in ids:
        for p in [*_prerequisite_chain(catalogue, i, have), i]:
            if p not in out:
                out.append(p)
    return out


def _profile_after(factory: Factory, catalogue: Catalogue, ids: list[str]) -> Profile | None:
    """The profile with the investments (and their missing prerequisites); None if they do not fit the plant."""
    try:
        todo = _with_prerequisites(catalogue, ids, set(factory.investments))
        return capability_profile(apply_investments(factory, order_investments(catalogue, todo, factory.investments)))
    except SpecError:
        return None


def _profiles_after_each_investment(factory: Factory, catalogue: Catalogue) -> dict[str, tuple[Profile, Profile]]:
    """For each investment not yet made: (profile with its missing prerequisites only, profile with it too)."""
    out = {}
    for inv in catalogue.investments:
        if inv.id in factory.investments:
            continue
        chain = _prerequisite_chain(catalogue, inv.id, set(factory.investments))
        with_it = _profile_after(factory, catalogue, [inv.id])
        before = _profile_after(factory, catalogue, chain) if chain else capability_profile(factory)
        if with_it is not None and before is not None:
            out[inv.id] = (before, with_it)
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


def smallest_combination(
    factory: Factory,
    catalogue: Catalogue,
    check: Check,
    after: dict[str, tuple[Profile, Profile]],
    profile: Profile,
) -> list[str]:
    """The fewest investments that pass ``check`` together (cheapest among equals), or [] up to MAX_COMBINATION.

    Only investments that change what the check reads are combined; each set is applied with its
    missing prerequisites and the check re-read, so the answer is what the patched model shows.
    """
    now = describe_gap(check, profile)
    movers = [inv for inv, (_, with_it) in after.items() if describe_gap(check, with_it) != now]
    have = set(factory.investments)

    def capex(ids: tuple[str, ...]) -> float:
        return sum(catalogue.get(i).capex_cny for i in _with_prerequisites(catalogue, list(ids), have))

    for size in range(2, MAX_COMBINATION + 1):
        found = []
        for ids in combinations(movers, size):
            profile = _profile_after(factory, catalogue, list(ids))
            if profile is not None and check_passes(check, profile):
                found.append(ids)
        if found:
            return list(min(found, key=capex))
    return []


def assess(factory: Factory, rubric: Rubric, catalogue: Catalogue | None = None) -> Assessment:
    """Tier met today, element scores, and the failing criteria up to the next tier with their closers."""
    profile = capability_profile(factory)
    passed = {c.id: check_passes(c.check, profile) for c in rubric.criteria}
    tier = _met_tier(rubric, passed)
    next_tier = None if tier == "leading" else TIERS[0 if tier == "below_basic" else TIERS.index(tier) + 1]
    result = Assessment(
        factory.name, tier, profile, passed, _scores(rubric, passed), next_tier=next_tier, criteria=rubric.criteria
    )
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
        combination = []
        if catalogue and not closers:
            combination = smallest_combination(factory, catalogue, c.check, after, profile)
        have = set(factory.investments)
        needs = {i: _prerequisite_chain(catalogue, i, have) for i in closers + combination} if catalogue else {}
        result.gaps.append(Gap(c, describe_gap(c.check, profile), closers, combination, needs))
    return result
