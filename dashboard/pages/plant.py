"""Plant 工厂: which plant, its tier and reference paths at a glance, its flows, baseline KPIs and time model."""

from __future__ import annotations

import pandas as pd
import streamlit as st
from ui import charts, data, i18n, shell
from ui.i18n import t

from twin.kpi.definitions import PLANT_KPIS
from twin.report import labels as L
from twin.spec import SpecError

HEADLINE = ("oee", "throughput_per_h", "lead_time_min", "on_time_rate", "unit_cost_cny")


def upload() -> None:
    """Take an uploaded model in: checked as the CLI checks a file, the problems in the page."""
    file = st.file_uploader(t("upload"), type=["yaml", "yml"], key="upload_file")
    if file is None:
        return
    stamp = (file.name, file.size, getattr(file, "file_id", None))
    if st.session_state.get("_upload_seen") == stamp:
        return
    st.session_state["_upload_seen"] = stamp
    text = file.getvalue().decode("utf-8", errors="replace")
    try:
        plant = data.uploaded_plant(file.name, text)
    except SpecError as exc:
        st.session_state["_upload_error"] = (file.name, [str(p) for p in exc.problems])
        return
    st.session_state["_upload_error"] = None
    st.session_state["uploads"] = {**st.session_state["uploads"], file.name: text}
    st.session_state["plant"] = st.session_state["_plant"] = shell.UPLOAD + file.name
    st.session_state["_upload_ok"] = (file.name, [str(w) for w in plant.warnings])
    st.rerun()


def upload_messages() -> None:
    bad = st.session_state.get("_upload_error")
    if bad:
        shell.show_problems(t("upload_bad", name=bad[0]), bad[1])
    ok = st.session_state.pop("_upload_ok", None)
    if ok:
        st.success(t("upload_ok", name=ok[0]))
        if ok[1]:
            st.warning(t("upload_warn", name=ok[0]) + "\n\n" + "\n".join(f"- `{w}`" for w in ok[1]))


def header(plant, key: str) -> None:
    result = data.assessment(key, plant)
    st.title(f"{shell.plant_name(plant)}")
    st.caption(plant.description.strip().replace("\n", " ") if plant.description else "")
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(t("tier_today"), i18n.tier(result["tier"]))
    c2.metric(t("next_tier"), i18n.tier(result["next_tier"]) if result["next_tier"] else "—")
    c3.metric(t("stations_machines"), f"{len(plant.stations)} / {sum(s.machines for s in plant.stations)}")
    c4.metric(t("products"), str(len(plant.products)))


def reference_paths(plant, key: str) -> None:
    st.subheader(t("ref_paths"))
    outlines = data.path_outlines(key, plant)
    if not outlines:
        st.info(t("no_paths"))
        return
    cat = data.catalogue()
    for col, p in zip(st.columns(len(outlines)), outlines, strict=True):
        with col.container(border=True):
            st.markdown(f"**{i18n.pick(p['name_en'], p['name_zh'], p['name'])}**")
            st.caption(f"{t('total_capex')}: {L.cny(p['capex_cny'])}")
            climb = " → ".join(f"{i18n.tier(s['tier'])} ({s['year']})" for s in p["stages"])
            st.markdown(f"{t('tier')}: {climb}")
            with st.expander(t("stages")):
                for s in p["stages"]:
                    names = ", ".join(i18n.investment(cat.get(i)) for i in s["investments"])
                    st.markdown(f"- **{t('year')} {s['year']}**: {names}")
    st.caption(t("ref_paths_note"))


def kpi_table(kpis: dict) -> pd.DataFrame:
    rows = []
    for name, e in kpis.items():
        unit = PLANT_KPIS[name].unit
        scale, shown = L.DISPLAY.get(unit, (1.0, unit))
        rows.append(
            {
                t("kpi"): i18n.kpi(name),
                t("unit"): i18n.unit(shown),
                f"{t('mean')} [{t('ci95')}]": L.estimate(e["mean"], e["ci95"], scale),
            }
        )
    return pd.DataFrame(rows)


def metric_value(name: str, e: dict) -> str:
    unit = PLANT_KPIS[name].unit
    scale, shown = L.DISPLAY.get(unit, (1.0, unit))
    if e["mean"] is None:
        return "—"
    return f"{L.estimate(e['mean'], None, scale)} {i18n.unit(shown)}"


def baseline(plant, key: str, settings: shell.Settings) -> str:
    st.subheader(t("baseline_kpis"))
    doc = data.baseline(key, plant, settings.days, settings.warmup_days, settings.reps, settings.seed, settings.jobs)
    cols = st.columns(len(HEADLINE))
    for col, name in zip(cols, HEADLINE, strict=True):
        e = doc["kpis"][name]
        lo, hi = e["ci95"]
        scale, _ = L.DISPLAY.get(PLANT_KPIS[name].unit, (1.0, ""))
        col.metric(
            i18n.kpi(name),
            metric_value(name, e),
            help=f"{t('ci95')}: {L.estimate(lo, None, scale)} – {L.estimate(hi, None, scale)}",
            delta=None,
        )
    left, right = st.columns([3, 2])
    with left:
        st.plotly_chart(charts.time_model(doc["stations"], plant, doc["bottleneck"]), width="stretch")
    with right:
        st.dataframe(kpi_table(doc["kpis"]), hide_index=True, width="stretch", height=420)
    if doc["warnings"]:
        with st.expander(t("warnings")):
            for w in doc["warnings"]:
                st.write(f"- {w}")
    return doc["bottleneck"]


settings = st.session_state.get("settings")
st.caption(t("plant_intro"))
with shell.guarded():
    upload()
    upload_messages()
    plant = shell.current_plant()
    key = data.content_key(plant)
    header(plant, key)
    reference_paths(plant, key)
    left, right = st.columns(2)
    flow = left.empty()
    flow.plotly_chart(charts.material_flow(plant, None), width="stretch", key="material_flow_0")
    right.plotly_chart(charts.information_flow(plant), width="stretch", key="information_flow")
    if settings is not None:
        bottleneck = baseline(plant, key, settings)
        flow.plotly_chart(charts.material_flow(plant, bottleneck), width="stretch", key="material_flow")
