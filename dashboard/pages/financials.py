"""Financials 财务: the finance assumptions edited, and one path's cash flows, payback, NPV distribution, tornado."""

from __future__ import annotations

import pandas as pd
import streamlit as st
from pydantic import ValidationError
from ui import data, i18n, shell
from ui.i18n import t

from twin.plan.compare import CASH_LINES, MONEY_ASSUMPTIONS
from twin.report import figures
from twin.report import labels as L
from twin.spec.errors import format_path
from twin.spec.finance import Award, Finance
from twin.spec.investment import TIERS

state = st.session_state
# the assumptions edited as percentages (the cost factor is a multiplier, edited on its own); a comment, not
# a string: Streamlit's magic would print a bare string on the page
RATES = tuple(n for n in MONEY_ASSUMPTIONS if n != "investment_cost_factor")
SHOWN_LINES = (
    *CASH_LINES,
    "installation_loss",
    "opex",
    "operating",
    "capex",
    "residual_value",
    "depreciation",
    "tax",
    "awards_after_tax",
    "net",
    "cumulative_discounted",
)


def _with_value(a, value: float, where: str):
    """An assumption set by the user, its sensitivity range widened to hold the new value."""
    if value == a.value:
        return a
    low = None if a.low is None else min(a.low, value)
    high = None if a.high is None else max(a.high, value)
    return a.model_copy(update={"value": value, "low": low, "high": high, "source": f"{where} (was: {a.source})"})


def assumptions(base: Finance, current: Finance) -> Finance:
    """The inputs, seeded from the edited assumptions, and the Finance they make."""
    for name in RATES:
        state.setdefault(f"fin_{name}", round(100 * getattr(current, name).value, 4))
    state.setdefault("fin_horizon", current.horizon_years)
    state.setdefault("fin_cost_factor", current.investment_cost_factor.value)
    cols = st.columns(3)
    update: dict = {}
    for i, name in enumerate(RATES):
        a = getattr(base, name)
        value = cols[i % 3].number_input(
            f"{L.assumption_label(name, i18n.lang())} (%)",
            min_value=-50.0,
            max_value=99.0,
            step=0.5,
            format="%.2f",
            key=f"fin_{name}",
            help=f"{t('source')}: {a.source}",
        )
        update[name] = _with_value(a, round(value / 100, 6), "dashboard")
    horizon = cols[1].number_input(t("horizon"), min_value=1, max_value=30, step=1, key="fin_horizon")
    factor = cols[2].number_input(
        t("cost_factor"),
        min_value=0.1,
        max_value=5.0,
        step=0.05,
        key="fin_cost_factor",
        help=f"{t('source')}: {base.investment_cost_factor.source}",
    )
    update["investment_cost_factor"] = _with_value(base.investment_cost_factor, factor, "dashboard")
    update["horizon_years"] = int(horizon)
    st.caption(t("awards"))
    if "fin_awards" not in state:  # a fresh editor starts from the saved awards; its edits are kept as deltas
        state["_awards_input"] = pd.DataFrame(
            [{"tier": a.tier, "amount_cny": a.amount_cny} for a in current.awards], columns=["tier", "amount_cny"]
        )
    edited = st.data_editor(
        state["_awards_input"],
        num_rows="dynamic",
        key="fin_awards",
        hide_index=True,
        column_config={
            "tier": st.column_config.SelectboxColumn(t("tier"), options=list(TIERS), required=True),
            "amount_cny": st.column_config.NumberColumn(t("amount"), min_value=0.0, format="%,.0f"),
        },
    )
    update["awards"] = [
        Award(tier=r["tier"], amount_cny=float(r["amount_cny"]), source="entered in the dashboard")
        for r in edited.to_dict("records")
        if r["tier"] in TIERS and pd.notna(r["amount_cny"])
    ]
    values = {k: v.model_dump() if hasattr(v, "model_dump") else v for k, v in update.items()}
    try:
        finance = Finance.model_validate({**base.model_dump(), **values})
    except ValidationError as exc:
        shell.show_problems(t("bad_finance"), [f"finance.{format_path(e['loc'])}: {e['msg']}" for e in exc.errors()])
        st.stop()
    state["_finance"] = finance.model_dump_json()
    return finance


def cash_table(path: dict) -> pd.DataFrame:
    rows = []
    for line in SHOWN_LINES:
        row = {t("line"): L.line_label(line, i18n.lang())}
        for f in path["cash_flows"]:
            row[str(f["year"])] = L.cny(L.cash_effect(line, f.get(line)))
        rows.append(row)
    return pd.DataFrame(rows)


def results(doc: dict, name: str) -> None:
    path = doc["paths"][name]
    npv = path["npv_cny"]
    c1, c2, c3, c4, c5 = st.columns(5)
    c1.metric(t("npv_mean"), L.cny(npv["mean"]), help=f"{t('ci95')}: {L.cny(npv['ci95'][0])} – {L.cny(npv['ci95'][1])}")
    c2.metric(t("p_npv"), L.pct(path["p_npv_positive"], 0))
    c3.metric(t("irr"), L.pct(path["irr"]["expected"]))
    c4.metric(t("payback"), L.payback(path["payback_years"], i18n.lang(), doc["horizon_years"]))
    c5.metric(t("awards_npv"), L.cny(path["awards_npv_cny"]["mean"]))
    lang = i18n.lang()
    left, right = st.columns(2)
    with left:
        st.plotly_chart(figures.cash_flows(doc, lang), width="stretch", key="fin_cash")
    with right:
        st.plotly_chart(figures.npv_distributions(doc, lang), width="stretch", key="fin_npv")
    fig = figures.tornado(doc, lang)
    if fig is not None:
        st.plotly_chart(fig, width="stretch", key="fin_tornado_chart")
    st.subheader(t("cash_table"))
    st.dataframe(cash_table(path), hide_index=True, width="stretch")


with shell.guarded():
    plant = shell.current_plant()
    key = data.content_key(plant)
    st.title(f"{t('page_financials')} · {shell.plant_name(plant)}")
    st.caption(t("fin_intro"))
    paths, base = data.reference_paths(key, plant)
    plan = shell.current_plan()
    choices = {p.name: p for p in paths}
    if plan is not None:
        choices = {plan.name: plan, **choices}
    if not choices:
        st.info(t("no_paths"))
        st.stop()
    chosen = st.selectbox(
        t("fin_path"),
        list(choices),
        key=f"fin_path_{i18n.lang()}",  # a new widget per language: its labels change
        format_func=lambda n: i18n.pick(choices[n].name_en, choices[n].name_zh, n),
    )
    with st.expander(t("assumptions"), expanded=True):
        finance = assumptions(base, shell.current_finance(key, plant))
    tornado = st.checkbox(t("with_tornado"), value=True, key="fin_with_tornado")
    settings = state.get("settings")
    if st.button(t("run_fin"), type="primary", key="fin_run", disabled=settings is None):
        state["_fin_started"] = True
    if not state.get("_fin_started"):
        st.info(t("fin_need_run"))
    elif settings is not None:
        s = settings
        doc = data.path_doc(
            key,
            plant,
            data.paths_json([choices[chosen]]),
            finance.model_dump_json(),
            s.days,
            s.warmup_days,
            s.seed,
            s.reps,
            tornado,
            s.jobs,
        )
        results(doc, chosen)
