"""Tier assessment 梯度评估: the tier met today, element scores per tier, and the gap with what closes it."""

from __future__ import annotations

import pandas as pd
import streamlit as st
from ui import charts, data, i18n, shell
from ui.i18n import t


def gap_table(result: dict, price: dict[str, float]) -> pd.DataFrame:
    criteria = {c["criterion"]: c for c in result["criteria"]}
    rows = []
    for g in result["gaps"]:
        c = criteria[g["criterion"]]
        fix = shell.gap_fix(g, price)
        rows.append(
            {
                t("tier"): i18n.tier(g["tier"]),
                t("element"): i18n.element(c["element"]),
                t("criterion"): i18n.pick(c["name_en"], c["name_zh"]),
                t("missing"): g["missing"],
                t("closed_by"): fix,
            }
        )
    return pd.DataFrame(rows)


def criteria_table(result: dict) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                t("tier"): i18n.tier(c["tier"]),
                t("element"): i18n.element(c["element"]),
                t("criterion"): i18n.pick(c["name_en"], c["name_zh"]),
                t("met"): c["met"],
                t("now"): c["now"],
                t("threshold"): c["threshold"],
                t("source"): c["source"],
            }
            for c in result["criteria"]
        ]
    )


with shell.guarded():
    plant = shell.current_plant()
    key = data.content_key(plant)
    result = data.assessment(key, plant)
    st.title(f"{t('page_assessment')} · {shell.plant_name(plant)}")
    st.warning(t("assess_note"), icon=":material/info:")
    c1, c2, c3 = st.columns(3)
    c1.metric(t("tier_today"), i18n.tier(result["tier"]))
    c2.metric(t("next_tier"), i18n.tier(result["next_tier"]) if result["next_tier"] else "—")
    met = sum(c["met"] for c in result["criteria"])
    c3.metric(t("criteria"), f"{met} / {len(result['criteria'])}")
    left, right = st.columns([1, 1])
    with left:
        st.plotly_chart(charts.element_radar(result["criteria"]), width="stretch")
    with right:
        if result["next_tier"]:
            st.subheader(t("gaps", tier=i18n.tier(result["next_tier"])))
            price = {f["id"]: f["capex"] for f in data.fits(key, plant)}
            st.dataframe(gap_table(result, price), hide_index=True, width="stretch")
        else:
            st.success(t("no_gap"))
    st.subheader(t("criteria"))
    st.dataframe(
        criteria_table(result),
        hide_index=True,
        width="stretch",
        column_config={t("met"): st.column_config.CheckboxColumn(t("met"))},
    )
