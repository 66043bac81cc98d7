"""Training 培训: the plant at each tier side by side, and one shift replayed per tier to show *why*."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from ui import charts, data, i18n, shell
from ui.i18n import t

from twin.kpi.definitions import PLANT_KPIS
from twin.report import labels as L
from twin.report.tables import MAIN_KPIS
from twin.spec.factory import clock_to_min

state = st.session_state
WEEK2 = 7 * 1440.0
FRAME_MIN = 5.0


def shifts(plant) -> list[tuple[str, float, float]]:
    """(name, start minute of the day, length in minutes) of the plant's shifts (three 8-hour ones without)."""
    cal = plant.calendar
    if cal is None or not cal.shifts:
        return [("00:00", 0.0, 480.0), ("08:00", 480.0, 480.0), ("16:00", 960.0, 480.0)]
    return [(f"{s.name} {s.start}", float(clock_to_min(s.start)), s.hours * 60) for s in cal.shifts]


def what_changes(tiers: list, tier: str, plant) -> str:
    """A preset's description in English; in Chinese, the investments it adds to the tier below, by their
    catalogue names (the descriptions are written in English only)."""
    if i18n.lang() != "zh":
        return plant.description.strip()
    below = [p for t_, p in tiers if t_ != tier and p.investments and set(p.investments) < set(plant.investments)]
    had = set(max(below, key=lambda p: len(p.investments)).investments) if below else set()
    cat = data.catalogue()
    added = [cat.get(i) for i in plant.investments if i not in had and i in cat.ids]
    return "新增：" + "、".join(i18n.investment(inv) for inv in added) if added else plant.description.strip()


def met(tier: str, plant) -> tuple[str, list[str]]:
    """The tier a preset meets by the rubric and, when below its own, what it lacks for its own."""
    found = data.assessment(data.content_key(plant), plant)
    return found["tier"], [g["missing"] for g in found["gaps"] if g["tier"] == tier]


def column(tier: str, plant) -> str:
    """A preset's column: its tier, starred when the rubric says it meets a lower one."""
    return i18n.tier(tier) + ("*" if met(tier, plant)[0] != tier else "")


def short_notes(tiers: list) -> None:
    for tier, p in tiers:
        reached, missing = met(tier, p)
        if reached != tier:
            st.caption(t("preset_short", preset=i18n.tier(tier), met=i18n.tier(reached), missing="; ".join(missing)))


def side_by_side(tiers: list, doc: dict) -> None:
    columns = [column(tier, p) for tier, p in tiers]  # once: each reads the preset's assessment by content key
    rows = []
    for name in MAIN_KPIS + ("wip", "labour_productivity", "overtime_share"):
        if all(v["kpis"].get(name, {}).get("mean") is None for v in doc["variants"]):
            continue  # a KPI the plant does not have (no overtime policy)
        unit = PLANT_KPIS[name].unit
        scale, shown = L.DISPLAY.get(unit, (1.0, unit))
        row = {t("kpi"): i18n.kpi(name), t("unit"): i18n.unit(shown)}
        for column_name, v in zip(columns, doc["variants"], strict=True):
            e = v["kpis"][name]
            row[column_name] = L.estimate(e["mean"], e["ci95"], scale)
        rows.append(row)
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", key="train_table")
    short_notes(tiers)
    cols = st.columns(4)
    for col, name in zip(cols, ("lead_time_min", "oee", "on_time_rate", "unit_cost_cny"), strict=True):
        unit = PLANT_KPIS[name].unit
        scale, shown = L.DISPLAY.get(unit, (1.0, unit))
        means = [(v["kpis"][name]["mean"] or 0) * scale for v in doc["variants"]]
        err = [((v["kpis"][name]["ci95"][1] or 0) * scale - m) for v, m in zip(doc["variants"], means, strict=True)]
        fig = go.Figure(
            go.Bar(
                x=columns,
                y=means,
                marker_color=[charts.TIER_COLOURS[tier] for tier, _ in tiers],
                error_y={"type": "data", "array": err, "visible": True},
                hovertemplate="%{y:.4g}<extra></extra>",
            )
        )
        fig.update_yaxes(title_text=i18n.unit(shown))
        col.plotly_chart(
            charts.layout(fig, f"{i18n.kpi(name)} ({i18n.unit(shown)})", 320), width="stretch", key=f"train_bar_{name}"
        )


def replay(tiers: list, plant, settings: shell.Settings) -> None:
    st.subheader(t("floor_title"))
    options = shifts(plant)
    days = plant.calendar.days_per_week if plant.calendar else 7
    weekday = i18n.words("weekday")
    c1, c2 = st.columns(2)
    day = c1.selectbox(
        t("day_pick"),
        list(range(days)),
        index=min(1, days - 1),
        key=f"train_day_{i18n.lang()}",  # a new widget per language: its labels change
        format_func=lambda d: f"{weekday[d]} {t('week2')}",
    )
    pick = c2.selectbox(
        t("shift_pick"), list(range(len(options))), format_func=lambda i: options[i][0], key="train_shift"
    )
    _, start, length = options[pick]
    t0 = WEEK2 + day * 1440 + start
    recs = [
        (tier, data.shift_recording(data.content_key(p), p, t0, t0 + length, FRAME_MIN, settings.seed))
        for tier, p in tiers
    ]
    st.plotly_chart(charts.floor_animation(recs, plant), width="stretch", key="train_floor")
    st.plotly_chart(charts.waiting_lines(recs), width="stretch", key="train_waiting")
    names = [i18n.tier(tier) for tier, _ in recs]
    for tab, (tier, rec), (_, p) in zip(st.tabs(names), recs, tiers, strict=True):
        with tab:
            done = int(rec.finished[-1] - rec.finished[0])
            st.metric(t("finished"), f"{done:,} {i18n.unit('units')}")
            st.plotly_chart(charts.gantt(rec, p, tier), width="stretch", key=f"train_gantt_{tier}")


with shell.guarded():
    plant = shell.current_plant()
    st.title(f"{t('page_training')} · {shell.plant_name(plant)}")
    st.caption(t("train_intro"))
    named = plant.name in data.model_names() and data.content_key(plant) == data.content_key(
        data.named_plant(plant.name)
    )
    tiers = data.tier_plants(plant.name) if named else []
    if not tiers:
        st.info(t("no_presets", plant=plant.name))
        tiers = [(data.assessment(data.content_key(plant), plant)["tier"], plant)]
    settings = state.get("settings")
    if settings is not None:
        s = settings
        st.subheader(t("side_by_side") if len(tiers) == 4 else t("tier"))
        with st.expander(t("why_title")):
            for tier, p in tiers:
                st.markdown(f"**{i18n.tier(tier)}** — {what_changes(tiers, tier, p)}")
        keys = tuple(data.content_key(p) for _, p in tiers)
        doc = data.tiers_side_by_side(keys, [p for _, p in tiers], s.days, s.warmup_days, s.reps, s.seed, s.jobs)
        side_by_side(tiers, doc)
        replay(tiers, plant, s)
