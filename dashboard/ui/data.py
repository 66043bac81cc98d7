"""Every call the dashboard makes into Tier Twin, cached by what determines its result.

How results are cached, so that moving between pages never re-runs a simulation:

- Loaded things (plants, the catalogue, the rubric, reference paths) are kept once per process
  (``st.cache_resource``); a plant is identified by its *content key*, a hash of its full model, so an
  uploaded file with the same content as a shipped plant shares its results.
- Results (``st.cache_data``) are keyed by the content key, the investments and stages (a path as
  JSON), the finance assumptions (as JSON), the seed, days, warm-up and replications. The number of
  worker processes is not part of a key: the library gives the same numbers whatever it is.
- Path studies share one :class:`~twin.plan.projection.StateRuns` per (plant, days, warm-up, seed), which
  keeps every simulated plant state by content. A finance change (the Financials page) therefore only
  recomputes money; the planner, the Financials and the Compare pages reuse each other's states.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import threading
from pathlib import Path

import streamlit as st

from twin.economics.assumptions import load_finance
from twin.plan import presets as presets_mod
from twin.plan.compare import compare_paths
from twin.plan.investments import fit_report, load_catalogue
from twin.plan.paths import load_paths
from twin.plan.projection import StateRuns
from twin.plan.study import PathStudy
from twin.run.experiment import compare
from twin.sim.recorder import record
from twin.spec import Factory, SpecError
from twin.spec.errors import Problem
from twin.spec.finance import Finance
from twin.spec.path import UpgradePath
from twin.tiers.assess import assess, load_rubric

from . import i18n

PROGRESS_WORDS = {
    "simulating plant states": "progress_states",
    "capacity runs": "progress_capacity",
    "more replications": "progress_more",
}


# --- loading ---------------------------------------------------------------------------------------


@st.cache_resource(show_spinner=False)
def catalogue():
    return load_catalogue()


@st.cache_resource(show_spinner=False)
def rubric():
    return load_rubric()


@st.cache_resource(show_spinner=False)
def presets():
    return presets_mod.load_presets()


@st.cache_resource(show_spinner=False)
def model_names() -> list[str]:
    return presets_mod.model_names()


@st.cache_resource(show_spinner=False)
def named_plant(name: str) -> Factory:
    return presets_mod.load_model(name)


@st.cache_resource(show_spinner=False, max_entries=16)
def uploaded_plant(filename: str, text: str) -> Factory:
    """A plant from an uploaded file, checked as the CLI checks a file; problems name the file, not a temp path.

    Raises :class:`SpecError` (one line per problem) for a file that cannot be used.
    """
    name = Path(filename).name or "upload.yaml"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_text(text, encoding="utf-8")
        try:
            return presets_mod.load_model(path)
        except SpecError as exc:
            raise SpecError([_renamed(p, str(path), name) for p in exc.problems]) from None


def _renamed(problem: Problem, temp: str, name: str) -> Problem:
    return Problem(
        problem.file.replace(temp, name),
        problem.path,
        problem.found.replace(temp, name),
        problem.expected.replace(temp, name),
        problem.line,
    )


def content_key(plant: Factory) -> str:
    """A key that changes exactly when the model's content does (its name included: it labels results)."""
    return hashlib.sha256(plant.model_dump_json().encode()).hexdigest()[:20]


# --- plant and tier -----------------------------------------------------------------------------------


@st.cache_data(show_spinner=False, max_entries=32)
def assessment(key: str, _plant: Factory) -> dict:
    return assess(_plant, rubric(), catalogue()).to_dict()


@st.cache_data(show_spinner=False, max_entries=32)
def fits(key: str, _plant: Factory) -> list[dict]:
    """Each catalogue investment on this plant: cost there and why it does not fit (None if it does)."""
    return [
        {"id": f.investment.id, "capex": f.capex_cny, "opex": f.opex_cny_per_year, "why_not": f.why_not}
        for f in fit_report(_plant, catalogue())
    ]


@st.cache_resource(show_spinner=False, max_entries=16)
def reference_paths(key: str, _plant: Factory) -> tuple[list[UpgradePath], Finance]:
    """The shipped reference paths written for this plant (none for a plant without any) and the finance."""
    try:
        return load_paths(None, _plant, catalogue())
    except SpecError:
        return [], load_finance()


@st.cache_data(show_spinner=False, max_entries=64)
def outlines(key: str, _plant: Factory, paths_json: str) -> list[dict]:
    """Per path: stages with their capex (priced on the plant just before them) and the tier after each,
    without simulating anything."""
    paths = [UpgradePath.model_validate(p) for p in json.loads(paths_json)]
    if not paths:
        return []
    study = PathStudy(_plant, paths, load_finance(), catalogue())
    return [
        {
            "name": plan.path.name,
            "name_en": plan.path.name_en,
            "name_zh": plan.path.name_zh,
            "stages": [
                {
                    "year": s.year,
                    "investments": list(s.investments),
                    "tier": tier,
                    "capex_cny": sum(p.capex_cny for p in money.purchases),
                }
                for s, tier, money in zip(plan.path.stages, plan.tiers, plan.stages, strict=True)
            ],
            "capex_cny": plan.capex_cny,
            # what the plant still lacks for the next tier after the last stage (why a plan stops where it does)
            "gaps": assess(plan.states[-1].plant, rubric(), catalogue()).to_dict()["gaps"] if plan.states else [],
        }
        for plan in study.plans
    ]


def path_outlines(key: str, plant: Factory) -> list[dict]:
    """The reference paths' outlines (see :func:`outlines`)."""
    return outlines(key, plant, paths_json(reference_paths(key, plant)[0]))


def _bar():
    """A progress bar that lives inside a cached function (so a cache hit replays nothing visible)."""
    holder = st.empty()

    def show(label: str, fraction: float) -> None:
        what = i18n.t(PROGRESS_WORDS[label]) if label in PROGRESS_WORDS else label
        holder.progress(min(max(fraction, 0.0), 1.0), text=i18n.t("simulating", what=what))

    return holder, show


def baseline(key: str, plant: Factory, days: float, warmup_days: float, reps: int, seed: int, jobs: int) -> dict:
    """``twin simulate --json`` of the plant, cut at a fixed warm-up (the one path studies use): the
    comparison of one plant, cached as :func:`tiers_side_by_side` caches any."""
    return tiers_side_by_side((key,), [plant], days, warmup_days, reps, seed, jobs)["variants"][0]


# --- paths and money --------------------------------------------------------------------------------


@st.cache_resource(show_spinner=False, max_entries=8)
def _shared_runs(key: str, days: float, warmup_days: float, seed: int) -> tuple[StateRuns, threading.Lock]:
    return StateRuns(days=days, warmup=warmup_days * 1440, seed=seed), threading.Lock()


@st.cache_data(show_spinner=False, max_entries=64)
def path_doc(
    key: str,
    _plant: Factory,
    paths_json: str,
    finance_json: str,
    days: float,
    warmup_days: float,
    seed: int,
    reps: int,
    tornado: bool,
    _jobs: int,
) -> dict:
    """The ``twin compare --json`` document of the paths, with the plant states shared across calls."""
    paths = [UpgradePath.model_validate(p) for p in json.loads(paths_json)]
    finance = Finance.model_validate_json(finance_json)
    runs, lock = _shared_runs(key, days, warmup_days, seed)
    holder, show = _bar()
    with lock:
        study = PathStudy(
            _plant, paths, finance, catalogue(), days=days, warmup_min=warmup_days * 1440, seed=seed, jobs=_jobs
        )
        runs.jobs, runs.progress = _jobs, show
        study.runs = runs
        try:
            doc = compare_paths(study, reps=reps, max_reps=reps, with_tornado=tornado)
        finally:
            runs.progress = None
    holder.empty()
    return doc


def paths_json(paths: list[UpgradePath]) -> str:
    return json.dumps([p.model_dump(mode="json", exclude_none=True) for p in paths], sort_keys=True)


# --- training -----------------------------------------------------------------------------------------


def tier_plants(name: str) -> list[tuple[str, Factory]]:
    """(tier, plant) of the shipped plant ``name`` is built on and of each tier preset built on that plant,
    lowest tier first; empty when no preset is built on it. A preset is labelled with the tier it was
    built for (the assessment may find it short of it, as for leading), the plant with its assessed tier."""
    root = _base_of(name)
    chain = sorted((p for p in presets().values() if _base_of(p.name) == root), key=lambda p: _TIERS.index(p.tier))
    if not chain:
        return []
    plant = named_plant(root)
    out = [(assessment(content_key(plant), plant)["tier"], plant)]
    return out + [(p.tier, named_plant(p.name)) for p in chain]


_TIERS = ("basic", "advanced", "excellent", "leading")


def _base_of(name: str) -> str:
    """The shipped plant a preset is ultimately built on."""
    seen = presets()
    while name in seen:
        name = seen[name].base
    return name


@st.cache_data(show_spinner=False, max_entries=16)
def tiers_side_by_side(
    keys: tuple[str, ...], _plants: list[Factory], days: float, warmup_days: float, reps: int, seed: int, _jobs: int
) -> dict:
    """The tier plants run with common random numbers and one warm-up (``twin.compare``)."""
    holder, show = _bar()
    result = compare(
        _plants,
        days=days,
        reps=reps,
        warmup=warmup_days * 1440,
        seed=seed,
        jobs=_jobs,
        progress=lambda f: show("simulating plant states", f),
    ).to_dict()
    holder.empty()
    return result


@st.cache_data(show_spinner=False, max_entries=32)
def shift_recording(key: str, _plant: Factory, start_min: float, end_min: float, every_min: float, seed: int):
    """One replication's floor through a shift (the opt-in recorder; normal runs never record)."""
    return record(_plant, seed, start_min, end_min, every_min)
