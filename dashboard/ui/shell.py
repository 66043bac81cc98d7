"""What every page shares: the sidebar (language, plant, simulation settings), the current plant, and
errors shown in the page as one line each instead of a traceback."""

from __future__ import annotations

import os
import sys
import traceback
from contextlib import contextmanager
from dataclasses import dataclass

import streamlit as st

from twin.report import labels as L
from twin.run.experiment import OptionError
from twin.run.pool import cap_jobs
from twin.spec import DEFAULT_MODEL, Factory, RunError, SpecError
from twin.spec.finance import Finance
from twin.spec.path import UpgradePath

from . import data, i18n
from .i18n import t

UPLOAD = "upload:"
DEFAULTS = {"lang": "en", "days": 14.0, "warmup_days": 7.0, "reps": 3, "seed": 1}


@dataclass(frozen=True)
class Settings:
    """The simulation settings every run of the page uses."""

    days: float
    warmup_days: float
    reps: int
    seed: int
    jobs: int


def _defaults() -> None:
    state = st.session_state
    for key, value in DEFAULTS.items():
        state.setdefault(key, value)
    state.setdefault("jobs", cap_jobs(os.cpu_count() or 1)[0])
    state.setdefault("uploads", {})
    if "plant" not in state or state["plant"] not in plant_choices():
        state["plant"] = state.get("_plant", DEFAULT_MODEL)


def plant_choices() -> list[str]:
    return [UPLOAD + name for name in st.session_state.get("uploads", {})] + data.model_names()


def _plant_label(choice: str) -> str:
    if choice.startswith(UPLOAD):
        return f"{choice[len(UPLOAD) :]} ({t('uploaded')})"
    return choice


def sidebar() -> Settings | None:
    """Draw the sidebar; the settings, or None (with a message) when they do not fit together."""
    _defaults()
    with st.sidebar:
        st.radio(t("language"), list(i18n.LANGS), format_func=i18n.LANGS.get, key="lang", horizontal=True)
        st.selectbox(
            t("plant"),
            plant_choices(),
            format_func=_plant_label,
            key="plant",
            help=t("plant_help"),
            on_change=lambda: st.session_state.update(_plant=st.session_state["plant"]),
        )
        with st.expander(t("run_settings")):
            st.number_input(t("days"), min_value=1.0, max_value=365.0, step=1.0, key="days", help=t("days_help"))
            st.number_input(t("warmup_days"), min_value=0.0, max_value=364.0, step=1.0, key="warmup_days")
            st.number_input(t("reps"), min_value=2, max_value=50, step=1, key="reps", help=t("reps_help"))
            st.number_input(t("seed"), min_value=0, max_value=2**31 - 1, step=1, key="seed")
            st.number_input(t("jobs"), min_value=1, max_value=os.cpu_count() or 1, step=1, key="jobs")
            st.caption(t("settings_note"))
    state = st.session_state
    if state["warmup_days"] >= state["days"]:
        msg = f"warm-up {state['warmup_days']:g} days; expected fewer than the {state['days']:g} simulated days"
        st.error(t("bad_settings", msg=msg))
        return None
    return Settings(
        float(state["days"]), float(state["warmup_days"]), int(state["reps"]), int(state["seed"]), int(state["jobs"])
    )


def current_plant() -> Factory:
    """The plant chosen in the sidebar (uploads were checked when they came in)."""
    choice = st.session_state.get("plant", DEFAULT_MODEL)
    if choice.startswith(UPLOAD):
        name = choice[len(UPLOAD) :]
        return data.uploaded_plant(name, st.session_state["uploads"][name])
    return data.named_plant(choice)


def plant_name(plant: Factory) -> str:
    return i18n.pick(plant.name_en or plant.name, plant.name_zh, plant.name)


def show_problems(header: str, problems: list) -> None:
    """One line per problem, as the CLI prints them, under a header in the chosen language."""
    st.error(header + "\n\n" + "\n".join(f"- `{p}`" for p in problems))


@contextmanager
def guarded():
    """Show what a user can fix as a message in the page; a bug as one line (its traceback goes to the log)."""
    try:
        yield
    except SpecError as exc:
        show_problems(t("plan_problems"), exc.problems)
    except (RunError, OptionError) as exc:
        st.error(str(exc))
    except Exception as exc:  # a bug: never a traceback in the page
        traceback.print_exc(file=sys.stderr)
        st.error(t("error_internal", msg=f"{type(exc).__name__}: {exc}"))


# --- what the planner and the Financials page share ---------------------------------------------------


def current_finance(key: str, plant: Factory) -> Finance:
    """The finance assumptions as edited on the Financials page, else the shipped ones."""
    saved = st.session_state.get("_finance")
    return Finance.model_validate_json(saved) if saved else data.reference_paths(key, plant)[1]


def plan_stages() -> list[dict]:
    """The planner's stages as edited: ``[{"year": 0, "investments": [...]}, ...]``."""
    return st.session_state.setdefault("_plan", [{"year": 0, "investments": []}])


def current_plan() -> UpgradePath | None:
    """The planner's plan as a path (stages by year, empty stages left out), or None when it is empty."""
    stages = sorted(
        ({k: v for k, v in s.items() if v is not None} for s in plan_stages() if s["investments"]),
        key=lambda s: s["year"],
    )
    if not stages:
        return None
    return UpgradePath(
        name="my_plan",
        name_en=i18n.WORDS["plan_name"][0],
        name_zh=i18n.WORDS["plan_name"][1],
        source="built in the dashboard's planner",
        stages=stages,
    )


def gap_fix(gap: dict, price: dict[str, float] | None = None) -> str:
    """What closes a gap to the next tier: investments that close it alone (with their capex on this plant
    when ``price`` is given), else a set that closes it together, else a fact to declare, else nothing in
    the catalogue (as ``twin assess`` says it)."""
    cat = data.catalogue()
    price = price or {}

    def named(ids: list[str]) -> str:
        return ", ".join(i18n.investment(cat.get(i)) + (f" ({L.cny(price[i])})" if i in price else "") for i in ids)

    if gap["closed_by"]:
        return named(gap["closed_by"])
    if gap["combination"]:
        return f"{t('together')}: " + named(gap["combination"])
    return t("declare_it") if gap["declarable"] else t("no_closer")
