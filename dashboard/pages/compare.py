"""Compare paths 路径对比: the paths side by side, the best one and how sure, the report to download."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from ui import charts, data, i18n, shell
from ui.i18n import t

from twin.kpi.definitions import PLANT_KPIS
from twin.report import EXCEL_NAME, HTML_NAME, figures, write_report
from twin.report import labels as L
from twin.report import tables as T

state = st.session_state


def summary(doc: dict) -> pd.DataFrame:
    rows = []
    for key, p in doc["paths"].items():
        steps = T.tier_steps(p, doc["baseline"]["tier"])
        npv = p["npv_cny"]
        rows.append(
            {
                t("path"): ("★ " if key == doc["best_path"] else "") + i18n.pick(p["name_en"], p["name_zh"], key),
                t("total_capex"): L.cny(p["capex_cny"]),
                t("tier_when"): ", ".join(f"{i18n.tier(tier)} ({y})" for y, tier in steps) or "—",
                f"{t('npv_mean')} [{t('ci95')}]": L.with_ci(npv["mean"], npv["ci95"], L.cny),
                t("p_npv"): L.pct(p["p_npv_positive"], 0),
                t("irr"): L.pct(p["irr"]["expected"]),
                t("payback"): L.payback(p["payback_years"], i18n.lang()),
            }
        )
    return pd.DataFrame(rows)


def final_kpi_chart(doc: dict, kpi: str) -> go.Figure:
    """One KPI after each path's last stage against today, with 95 % intervals."""
    unit = PLANT_KPIS[kpi].unit
    scale, shown = L.DISPLAY.get(unit, (1.0, unit))
    names, means, los, his = [t("baseline")], [], [], []
    items = [doc["baseline"]["kpis"][kpi]] + [p["stages"][-1]["kpis"][kpi] for p in doc["paths"].values()]
    names += [i18n.pick(p["name_en"], p["name_zh"], k) for k, p in doc["paths"].items()]
    for e in items:
        means.append((e["mean"] or 0) * scale)
        los.append(((e["mean"] or 0) - (e["ci95"][0] if e["ci95"][0] is not None else e["mean"] or 0)) * scale)
        his.append(((e["ci95"][1] if e["ci95"][1] is not None else e["mean"] or 0) - (e["mean"] or 0)) * scale)
    colours = ["#777"] + [figures.path_colours(doc)[k] for k in doc["paths"]]
    fig = go.Figure(
        go.Bar(
            x=names,
            y=means,
            marker_color=colours,
            error_y={"type": "data", "array": his, "arrayminus": los, "visible": True},
            hovertemplate="%{y:.4g}<extra></extra>",
        )
    )
    fig.update_yaxes(title_text=f"{i18n.kpi(kpi)} ({i18n.unit(shown)})")
    return charts.layout(fig, f"{t('final_kpis')}: {i18n.kpi(kpi)} ({i18n.unit(shown)})", 400)


@st.cache_data(show_spinner=False, max_entries=8)
def report_bytes(args: str, _doc: dict, lang: str) -> tuple[bytes, bytes]:
    """The HTML report and the Excel workbook of ``twin compare --report``, rendered in a temporary folder."""
    with tempfile.TemporaryDirectory() as folder:
        write_report(_doc, folder, lang)
        return (Path(folder) / HTML_NAME).read_bytes(), (Path(folder) / EXCEL_NAME).read_bytes()


def results(doc: dict, args: str) -> None:
    lang = i18n.lang()
    best = doc["paths"][doc["best_path"]]
    box, icon = (st.warning, ":material/warning:") if L.none_pays(doc) else (st.success, ":material/emoji_events:")
    box(
        f"**{t('best')}: {i18n.pick(best['name_en'], best['name_zh'], doc['best_path'])}** — "
        + L.selection_statement(doc, lang),
        icon=icon,
    )
    st.dataframe(summary(doc), hide_index=True, width="stretch", key="cmp_summary")
    html, xlsx = report_bytes(args, doc, lang)
    c1, c2 = st.columns(2)
    c1.download_button(
        t("download_html"),
        html,
        file_name=f"tier_twin_report_{lang}.html",
        mime="text/html",
        key="cmp_html",
        icon=":material/download:",
    )
    c2.download_button(
        t("download_xlsx"),
        xlsx,
        file_name=f"tier_twin_report_{lang}.xlsx",
        key="cmp_xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        icon=":material/download:",
    )
    left, right = st.columns(2)
    with left:
        kpi = st.selectbox(
            t("kpi_pick"), list(T.MAIN_KPIS), format_func=i18n.kpi, key=f"cmp_kpi_{i18n.lang()}"
        )  # labels change with the language
        st.plotly_chart(final_kpi_chart(doc, kpi), width="stretch", key="cmp_final")
    with right:
        st.plotly_chart(charts.tier_timeline(doc), width="stretch", key="cmp_tiers")
        st.plotly_chart(figures.npv_distributions(doc, lang), width="stretch", key="cmp_npv")
    fig = figures.kpi_trajectories(doc, lang)
    if fig is not None:
        st.plotly_chart(fig, width="stretch", key="cmp_trajectories")
    st.plotly_chart(figures.cash_flows(doc, lang), width="stretch", key="cmp_cash")


with shell.guarded():
    plant = shell.current_plant()
    key = data.content_key(plant)
    st.title(f"{t('page_compare')} · {shell.plant_name(plant)}")
    st.caption(t("cmp_intro"))
    paths, _ = data.reference_paths(key, plant)
    plan = shell.current_plan()
    include = plan is not None and st.checkbox(t("include_plan"), value=True, key="cmp_plan")
    chosen = ([plan] if include else []) + list(paths)
    settings = state.get("settings")
    if not chosen:
        st.info(t("no_paths"))
    else:
        st.caption(t("cmp_need_run"))
        if st.button(t("run_compare"), type="primary", key="cmp_run", disabled=settings is None):
            state["_cmp_started"] = True
        if state.get("_cmp_started") and settings is not None:
            s = settings
            used = shell.current_finance(key, plant)
            lang = i18n.lang()
            st.caption(
                t("cmp_assumptions")
                + ", ".join(
                    f"{L.assumption_label(n, lang)} {L.assumption_value(n, getattr(used, n).value)}"
                    for n in ("discount_rate", "demand_growth", "investment_cost_factor")
                )
                + f", {L.assumption_label('horizon_years', lang)} {used.horizon_years}"
            )
            finance = used.model_dump_json()
            paths_json = data.paths_json(chosen)
            doc = data.path_doc(key, plant, paths_json, finance, s.days, s.warmup_days, s.seed, s.reps, False, s.jobs)
            results(doc, json.dumps([key, paths_json, finance, s.days, s.warmup_days, s.seed, s.reps]))
