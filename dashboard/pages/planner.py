"""Upgrade planner 升级规划: investments picked into stages by year, checked, run, KPIs per stage and tiers."""

from __future__ import annotations

import pandas as pd
import streamlit as st
from ui import charts, data, i18n, shell
from ui.i18n import t

from twin.kpi.definitions import PLANT_KPIS
from twin.plan.paths import path_problems
from twin.report import figures
from twin.report import labels as L

state = st.session_state


def catalogue_table(key: str, plant) -> pd.DataFrame:
    cat = data.catalogue()
    rows = []
    for f in data.fits(key, plant):
        inv = cat.get(f["id"])
        rows.append(
            {
                t("category"): i18n.category(inv.category),
                t("scenario"): i18n.scenario(inv.scenario),
                t("investment"): i18n.investment(inv),
                t("tier"): i18n.tier(inv.tier),
                t("capex"): L.cny(f["capex"]),
                t("opex"): L.cny(f["opex"]),
                t("prerequisites"): ", ".join(inv.prerequisites) or "—",
                t("fits"): "✅" if f["why_not"] is None else f"❌ {f['why_not']}",
                "id": inv.id,
            }
        )
    return pd.DataFrame(rows).sort_values([t("category"), t("scenario")], kind="stable")


def _seed_widgets(options: list[str]) -> None:
    """Widgets forget their values when the page is left; give them back the plan's (what fits this plant)."""
    for i, stage in enumerate(shell.plan_stages()):
        state.setdefault(f"plan_year_{i}", stage["year"])
        state[f"plan_inv_{i}"] = [x for x in state.get(f"plan_inv_{i}", stage["investments"]) if x in options]
    state.setdefault("plan_budget", state.get("_plan_budget", 0.0))


def _set_plan(stages: list[dict]) -> None:
    for key in [k for k in state if str(k).startswith(("plan_year_", "plan_inv_"))]:
        del state[key]
    state["_plan"] = stages or [{"year": 0, "investments": []}]


def _load_reference(paths) -> None:
    chosen = next(p for p in paths if p.name == state[f"plan_ref_{i18n.lang()}"])
    _set_plan(
        [
            {
                "year": s.year,
                "investments": list(s.investments),
                "declared": s.declared.model_dump(exclude_none=True) if s.declared else None,
            }
            for s in chosen.stages
        ]
    )


def _add_stage() -> None:
    stages = shell.plan_stages()
    _set_plan([*stages, {"year": max(s["year"] for s in stages) + 1, "investments": []}])


def editor(key: str, plant, paths) -> None:
    cat = data.catalogue()
    fits = {f["id"]: f for f in data.fits(key, plant)}
    options = [i for i, f in fits.items() if f["why_not"] is None and i not in plant.investments]
    if paths:
        c1, c2, c3, c4 = st.columns([3, 1, 1, 1], vertical_alignment="bottom")
        c1.selectbox(
            t("start_from"),
            [p.name for p in paths],
            key=f"plan_ref_{i18n.lang()}",  # a new widget per language: its labels change
            format_func=lambda n: next(i18n.pick(p.name_en, p.name_zh, n) for p in paths if p.name == n),
        )
        c2.button(t("load_path"), on_click=_load_reference, args=(paths,), key="plan_load")
    else:
        c3, c4 = st.columns(2)
    c3.button(t("add_stage"), on_click=_add_stage, key="plan_add")
    c4.button(t("clear_plan"), on_click=_set_plan, args=([],), key="plan_clear")
    _seed_widgets(options)
    stages = []
    for i, _ in enumerate(shell.plan_stages()):
        left, right = st.columns([1, 6])
        year = left.number_input(t("stage_year", n=i + 1), min_value=0, max_value=30, step=1, key=f"plan_year_{i}")
        picked = right.multiselect(
            t("stage_invs", n=i + 1),
            options,
            key=f"plan_inv_{i}",
            format_func=lambda x: f"{i18n.investment(cat.get(x))} · {L.cny(fits[x]['capex'])}",
        )
        declared = shell.plan_stages()[i].get("declared")
        if declared:
            right.caption(
                t(
                    "declared",
                    what=", ".join(f"{k} = {v}" for k, v in declared.items() if k != "source" and v not in ([], None)),
                )
            )
        stages.append({"year": int(year), "investments": list(picked), "declared": declared})
    state["_plan"] = stages
    state["_plan_budget"] = st.number_input(
        t("budget"), min_value=0.0, step=100_000.0, format="%.0f", key="plan_budget"
    )


def problems(key: str, plant) -> list[str]:
    """What keeps the plan from running: the checks of a paths file, then the budget."""
    plan = shell.current_plan()
    if plan is None:
        return [t("empty_plan")]
    finance = shell.current_finance(key, plant)
    found = [str(p) for p in path_problems(plan, plant, data.catalogue(), finance.horizon_years)]
    if found:
        return found
    budget = state.get("plan_budget") or 0.0
    if budget > 0:
        outline = data.outlines(key, plant, data.paths_json([plan]))[0]
        for n, s in enumerate(outline["stages"], start=1):
            capex = s["capex_cny"] * finance.investment_cost_factor.value
            if capex > budget:
                found.append(t("over_budget", n=n, y=s["year"], capex=L.cny(capex), budget=L.cny(budget)))
    return found


def kpi_table(doc: dict) -> pd.DataFrame:
    path = doc["paths"]["my_plan"]
    rows = []
    for name in PLANT_KPIS:
        unit = PLANT_KPIS[name].unit
        scale, shown = L.DISPLAY.get(unit, (1.0, unit))
        base = doc["baseline"]["kpis"][name]
        row = {
            t("kpi"): i18n.kpi(name),
            t("unit"): i18n.unit(shown),
            t("baseline"): L.estimate(base["mean"], None, scale),
        }
        for s in path["stages"]:
            e, d = s["kpis"][name], s["delta_vs_baseline"][name]
            row[f"{t('year')} {s['year']}"] = L.estimate(e["mean"], None, scale)
            row[f"Δ {t('year')} {s['year']} [{t('ci95')}]"] = L.estimate(d["mean"], d["ci95"], scale, signed=True)
        rows.append(row)
    return pd.DataFrame(rows)


def results(doc: dict, gaps: list[dict]) -> None:
    path = doc["paths"]["my_plan"]
    c1, c2, c3, c4, c5 = st.columns(5)
    c1.metric(t("plan_capex"), L.cny(path["capex_cny"]))
    c2.metric(t("tier_end"), i18n.tier(path["tier_timeline"][-1]["tier"]))
    c3.metric(t("npv_mean"), L.cny(path["npv_cny"]["mean"]))
    c4.metric(t("p_npv"), L.pct(path["p_npv_positive"], 0))
    c5.metric(t("payback"), L.payback(path["payback_years"], i18n.lang(), doc["horizon_years"]))
    if gaps:  # why the plan ends where it does
        items = "; ".join(f"{g['missing']} → {shell.gap_fix(g)}" for g in gaps)
        st.info(t("plan_gap", tier=i18n.tier(gaps[0]["tier"]), items=items))
    st.caption(t("money_link"))
    st.subheader(t("plan_kpis"))
    st.dataframe(kpi_table(doc), hide_index=True, width="stretch", key="plan_kpi_table")
    fig = figures.kpi_trajectories(doc, i18n.lang())
    if fig is not None:
        st.plotly_chart(fig, width="stretch", key="plan_trajectories")
    st.plotly_chart(charts.tier_timeline(doc), width="stretch", key="plan_tiers")


with shell.guarded():
    plant = shell.current_plant()
    key = data.content_key(plant)
    st.title(f"{t('page_planner')} · {shell.plant_name(plant)}")
    st.caption(t("planner_intro"))
    paths, _ = data.reference_paths(key, plant)
    with st.expander(t("catalogue")):
        st.dataframe(catalogue_table(key, plant), hide_index=True, width="stretch")
    editor(key, plant, paths)
    found = problems(key, plant)
    if found == [t("empty_plan")]:
        st.info(found[0])
    elif found:
        shell.show_problems(t("plan_problems"), found)
    settings = state.get("settings")
    run = st.button(t("run_plan"), type="primary", disabled=bool(found) or settings is None, key="plan_run")
    if run:
        plan = shell.current_plan()
        finance = shell.current_finance(key, plant)
        state["_plan_args"] = (key, data.paths_json([plan]), finance.model_dump_json(), settings)
    args = state.get("_plan_args")
    if args and args[0] == key:
        key_, plan_json, finance_json, s = args
        doc = data.path_doc(key_, plant, plan_json, finance_json, s.days, s.warmup_days, s.seed, s.reps, False, s.jobs)
        plan = shell.current_plan()
        if plan is None or data.paths_json([plan]) != plan_json:
            st.info(t("plan_stale"))
        results(doc, data.outlines(key_, plant, plan_json)[0]["gaps"])
