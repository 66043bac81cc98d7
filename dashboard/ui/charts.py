"""The dashboard's own plotly charts (the compare charts come from ``twin.report.figures``).

Every chart has a title and units on its axes; colours of machine states and interface modes are the
same wherever they appear.
"""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from twin.report import figures
from twin.sim.recorder import SHOWN_STATES
from twin.spec import Factory
from twin.spec.investment import TIERS

from . import i18n
from .i18n import STATE_COLOURS, t

MODE_COLOURS = {"manual": "#e07b39", "batch": "#3b75af", "realtime": "#2ca02c"}
TIER_COLOURS = {
    "below_basic": "#bbbbbb",
    "basic": "#9ecae1",
    "advanced": "#4292c6",
    "excellent": "#2171b5",
    "leading": "#08306b",
}
TIME_MODEL = (
    "availability",
    "setup_share",
    "down_share",
    "maintenance_share",
    "waiting_operator_share",
    "blocked_share",
    "starved_share",
)
TIME_MODEL_STATE = {
    "availability": "producing",
    "setup_share": "setup",
    "down_share": "down",
    "maintenance_share": "maintenance",
    "waiting_operator_share": "waiting_operator",
    "blocked_share": "blocked",
    "starved_share": "starved",
}


def layout(fig: go.Figure, title: str, height: int = 420) -> go.Figure:
    """The report's chart style (one look for page and report), with the page's tighter margins."""
    return figures.layout(fig, title, height, margin={"l": 60, "r": 30, "t": 80, "b": 50})


def _arrow(
    fig: go.Figure,
    start: tuple[float, float],
    end: tuple[float, float],
    colour: str,
    *,
    size: float,
    width: float,
    standoff: float,
) -> None:
    """An arrow from ``start`` to ``end`` in data coordinates, kept clear of the nodes at both ends."""
    fig.add_annotation(
        x=end[0], y=end[1], ax=start[0], ay=start[1], xref="x", yref="y", axref="x", ayref="y",
        showarrow=True, arrowhead=2, arrowsize=size, arrowwidth=width, arrowcolor=colour,
        standoff=standoff, startstandoff=standoff, text="",
    )  # fmt: skip


# --- plant --------------------------------------------------------------------------------------------


def material_flow(plant: Factory, bottleneck: str | None) -> go.Figure:
    """Stations as nodes (size: machines), routings as arrows; the bottleneck in red."""
    g = nx.DiGraph()
    g.add_nodes_from(s.name for s in plant.stations)
    for p in plant.products:
        steps = [s.station for s in p.routing]
        for a, b in zip(steps, steps[1:], strict=False):
            if a != b:
                g.add_edge(a, b)
                g.edges[a, b].setdefault("products", []).append(i18n.pick(p.name_en or p.name, p.name_zh, p.name))
    pos = _layered(g, [s.name for s in plant.stations])
    fig = go.Figure()
    for a, b, attrs in g.edges(data=True):
        (x0, y0), (x1, y1) = pos[a], pos[b]
        _arrow(fig, (x0, y0), (x1, y1), "#8a8a8a", size=1.2, width=1.6, standoff=18)
        fig.add_trace(
            go.Scatter(
                x=[(x0 + x1) / 2],
                y=[(y0 + y1) / 2],
                mode="markers",
                marker={"size": 8, "color": "rgba(0,0,0,0)"},
                hovertext=", ".join(attrs["products"]),
                hoverinfo="text",
                showlegend=False,
            )
        )
    stations = plant.stations
    xs, ys = [pos[s.name][0] for s in stations], [pos[s.name][1] for s in stations]
    buffers = [t("buffer_cap", n=t("unlimited") if s.buffer is None else s.buffer) for s in stations]
    labels = [f"{i18n.station(plant, s.name)} ×{s.machines}" for s in stations]
    colours = ["#d62728" if s.name == bottleneck else "#1f77b4" for s in stations]
    fig.add_trace(
        go.Scatter(
            x=xs,
            y=ys,
            mode="markers+text",
            text=labels,
            textposition=["top center" if i % 2 == 0 else "bottom center" for i in range(len(stations))],
            marker={
                "size": [16 + 4 * min(s.machines, 8) for s in stations],
                "color": colours,
                "line": {"color": "white", "width": 2},
            },
            hovertext=[f"{lab}<br>{buf}" for lab, buf in zip(labels, buffers, strict=True)],
            hoverinfo="text",
            showlegend=False,
        )
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    title = t("material_flow") + (f" ({t('bottleneck_red')})" if bottleneck else "")
    return layout(fig, title, 380)


def _layered(g: nx.DiGraph, order: list[str]) -> dict[str, tuple[float, float]]:
    """Left to right by routing depth (first appearance where routings loop), stacked within a column."""
    depth = dict.fromkeys(order, 0)
    try:
        for node in nx.topological_sort(g):
            for succ in g.successors(node):
                depth[succ] = max(depth[succ], depth[node] + 1)
    except nx.NetworkXUnfeasible:
        depth = {n: i for i, n in enumerate(order)}
    columns: dict[int, list[str]] = {}
    for n in order:
        columns.setdefault(depth[n], []).append(n)
    pos = {}
    for x, names in columns.items():
        for i, n in enumerate(names):
            pos[n] = (float(x), (len(names) - 1) / 2 - i)
    return pos


LEVELS = {
    "ERP": 4,
    "PLM": 4,
    "APS": 3,
    "MES": 3,
    "WMS": 3,
    "QMS": 3,
    "EAM": 3,
    "EMS": 3,
    "SCADA": 2,
    "MANUAL": 2,
    "FLOOR": 1,
}


def information_flow(plant: Factory) -> go.Figure:
    """Systems by level (ERP on top, the floor below) and each interface as an arrow coloured by mode."""
    info = plant.information
    fig = go.Figure()
    nodes = sorted(info.present() if info else {"MANUAL", "FLOOR"}, key=lambda n: (-LEVELS.get(n, 3), n))
    rows: dict[int, list[str]] = {}
    for n in nodes:
        rows.setdefault(LEVELS.get(n, 3), []).append(n)
    pos = {n: (i - (len(names) - 1) / 2, float(level)) for level, names in rows.items() for i, n in enumerate(names)}
    if info:
        flows_of: dict[tuple[str, str], list[str]] = {}
        for flow, path in info.flows.items():
            for a, b in zip(path, path[1:], strict=False):
                flows_of.setdefault((a, b), []).append(flow)
        edges = {itf.edge for itf in info.interfaces}
        for itf in info.interfaces:
            a, b = itf.edge
            (x0, y0), (x1, y1) = pos[a], pos[b]
            if (b, a) in edges:  # both ways: draw each a little to its own side
                dx, dy = y1 - y0, x0 - x1
                norm = math.hypot(dx, dy) or 1.0
                x0, y0, x1, y1 = (
                    x0 + 0.08 * dx / norm,
                    y0 + 0.08 * dy / norm,
                    x1 + 0.08 * dx / norm,
                    y1 + 0.08 * dy / norm,
                )
            colour = MODE_COLOURS[itf.mode]
            _arrow(fig, (x0, y0), (x1, y1), colour, size=1.1, width=2.2, standoff=22)
            every = f", {itf.every_min:g} min" if itf.every_min else ""
            flows = ", ".join(flows_of.get((a, b), [])) or "—"
            fig.add_trace(
                go.Scatter(
                    x=[(x0 + x1) / 2],
                    y=[(y0 + y1) / 2],
                    mode="markers",
                    marker={"size": 9, "color": colour, "symbol": "diamond"},
                    hovertext=f"{a} → {b}: {t('mode_' + itf.mode)}{every}; {flows}",
                    hoverinfo="text",
                    showlegend=False,
                )
            )
    fig.add_trace(
        go.Scatter(
            x=[pos[n][0] for n in nodes],
            y=[pos[n][1] for n in nodes],
            mode="markers+text",
            text=[i18n.system(n) for n in nodes],
            textposition="top center",
            marker={
                "size": 30,
                "color": ["#555" if n in ("MANUAL", "FLOOR") else "#6a51a3" for n in nodes],
                "symbol": "square",
                "line": {"color": "white", "width": 2},
            },
            hoverinfo="text",
            hovertext=[i18n.system(n) for n in nodes],
            showlegend=False,
        )
    )
    for mode, colour in MODE_COLOURS.items():
        fig.add_trace(
            go.Scatter(x=[None], y=[None], mode="lines", line={"color": colour, "width": 3}, name=t("mode_" + mode))
        )
    xs = [x for x, _ in pos.values()]
    fig.update_xaxes(visible=False, range=[min(xs) - 0.9, max(xs) + 0.9])  # room for the names at the sides
    fig.update_yaxes(visible=False, range=[0.5, 4.6])
    return layout(fig, t("info_flow"), 380)


def time_model(stations: dict, plant: Factory, bottleneck: str) -> go.Figure:
    """Each station's planned busy time split into the ISO 22400 states (%), the bottleneck marked."""
    names = list(stations)
    labels = [i18n.station(plant, n) + (" ★" if n == bottleneck else "") for n in names]
    fig = go.Figure()
    for k in TIME_MODEL:
        state = TIME_MODEL_STATE[k]
        fig.add_trace(
            go.Bar(
                x=labels,
                y=[100 * (stations[n][k]["mean"] or 0.0) for n in names],
                name=i18n.state(state),
                marker={
                    "color": STATE_COLOURS[state],
                    "line": {"color": ["#000" if n == bottleneck else "rgba(0,0,0,0)" for n in names], "width": 2},
                },
                hovertemplate="%{y:.1f} %<extra>" + i18n.state(state) + "</extra>",
            )
        )
    fig.update_layout(barmode="stack")
    fig.update_yaxes(title_text=t("share_pbt"), range=[0, 100])
    fig.update_xaxes(title_text=t("station"))
    layout(fig, t("time_model", b=i18n.station(plant, bottleneck)) + " ★", 460)
    fig.update_layout(legend={"orientation": "v", "x": 1.02, "y": 1, "xanchor": "left", "yanchor": "top"})
    return fig


# --- tiers --------------------------------------------------------------------------------------------


def element_radar(criteria: list[dict]) -> go.Figure:
    """Per tier, the share of its criteria the plant meets in each element (100 % = the tier's requirement)."""
    elements = list(dict.fromkeys(c["element"] for c in criteria))
    fig = go.Figure()
    for tier in TIERS:
        shares = []
        for e in elements:
            cs = [c for c in criteria if c["tier"] == tier and c["element"] == e]
            shares.append(100 * sum(c["met"] for c in cs) / len(cs) if cs else None)
        theta = [i18n.element(e) for e in elements]
        fig.add_trace(
            go.Scatterpolar(
                r=[*shares, shares[0]],
                theta=[*theta, theta[0]],
                name=i18n.tier(tier),
                mode="lines+markers",
                line={"color": TIER_COLOURS[tier]},
                connectgaps=True,
                hovertemplate="%{theta}: %{r:.0f} %<extra>" + i18n.tier(tier) + "</extra>",
            )
        )
    fig.update_layout(polar={"radialaxis": {"range": [0, 100], "ticksuffix": " %"}})
    layout(fig, t("scores_chart"), 520)
    fig.update_layout(legend={"y": -0.12, "yanchor": "top"}, margin={"l": 120, "r": 120, "t": 70, "b": 80})
    return fig


def tier_timeline(doc: dict) -> go.Figure:
    """The tier of every path in every year, as coloured blocks."""
    fig = go.Figure()
    paths = doc["paths"]
    for tier in ("below_basic", *TIERS):
        xs, ys = [], []
        for key, path in paths.items():
            for point in path["tier_timeline"]:
                if point["tier"] == tier:
                    xs.append(point["year"])
                    ys.append(i18n.pick(path.get("name_en"), path.get("name_zh"), key))
        if xs:
            fig.add_trace(
                go.Bar(
                    x=[1] * len(xs),
                    base=[x - 0.5 for x in xs],
                    y=ys,
                    orientation="h",
                    marker={"color": TIER_COLOURS[tier], "line": {"color": "white", "width": 1}},
                    name=i18n.tier(tier),
                    customdata=xs,
                    hovertemplate="%{customdata}: " + i18n.tier(tier) + "<extra>%{y}</extra>",
                )
            )
    fig.update_layout(barmode="overlay")
    fig.update_xaxes(title_text=t("year"), dtick=1)
    fig.update_yaxes(autorange="reversed")
    return layout(fig, t("tier_timeline"), 120 + 50 * len(paths))


# --- training -----------------------------------------------------------------------------------------


def _grid(rec) -> tuple[list[int], list[int]]:
    """Machine positions: one row per station, one column per machine."""
    rows, cols, seen = [], [], {}
    for station, i in rec.machines:
        rows.append(seen.setdefault(station, len(seen)))
        cols.append(i)
    return rows, cols


def floor_animation(recs: list[tuple[str, object]], plant: Factory) -> go.Figure:
    """The floor of each tier side by side with a play button and a time slider: machines coloured by state,
    the queue in front of each station as a bar."""
    n = len(recs)
    fig = make_subplots(rows=1, cols=n, horizontal_spacing=0.03, shared_yaxes=True)
    first = recs[0][1]
    stations = list(first.stations)
    labels = [i18n.station(plant, s) for s in stations]
    rows, cols = _grid(first)
    qmax = max(int(r.queues.max()) for _, r in recs) or 1
    widest = max(cols) + 1

    def traces(f: int) -> list:
        out = []
        for _, rec in recs:
            states = [SHOWN_STATES[s] for s in rec.states[f]]
            out.append(
                go.Scatter(
                    x=cols,
                    y=[labels[r] for r in rows],
                    mode="markers",
                    marker={"symbol": "square", "size": 15, "color": [STATE_COLOURS[s] for s in states]},
                    hovertext=[i18n.state(s) for s in states],
                    hoverinfo="text+y",
                    showlegend=False,
                )
            )
            q = rec.queues[f]
            out.append(
                go.Bar(
                    x=[3.0 * v / qmax for v in q],
                    base=[widest + 0.5] * len(q),
                    y=labels,
                    orientation="h",
                    marker={"color": "rgba(120,120,120,0.45)"},
                    text=[str(v) for v in q],
                    textposition="outside",
                    hovertemplate="%{text}<extra></extra>",
                    showlegend=False,
                )
            )
        return out

    for i, tr in enumerate(traces(0)):
        fig.add_trace(tr, row=1, col=i // 2 + 1)
    times = first.times
    start = times[0]
    frames = [
        go.Frame(
            data=traces(f),
            name=f"{times[f] - start:.0f}",
            traces=list(range(2 * n)),
            layout={"annotations": _frame_notes(recs, f)},
        )
        for f in range(len(times))
    ]
    fig.frames = frames
    for state in STATE_COLOURS:
        fig.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="markers",
                marker={"symbol": "square", "size": 12, "color": STATE_COLOURS[state]},
                name=i18n.state(state),
            ),
            row=1,
            col=1,
        )
    steps = [
        {
            "args": [[fr.name], {"frame": {"duration": 0, "redraw": True}, "mode": "immediate"}],
            "label": fr.name,
            "method": "animate",
        }
        for fr in frames
    ]
    fig.update_layout(
        annotations=_frame_notes(recs, 0),
        updatemenus=[
            {
                "type": "buttons",
                "showactive": False,
                "x": 0,
                "y": -0.08,
                "xanchor": "left",
                "buttons": [
                    {
                        "label": "▶",
                        "method": "animate",
                        "args": [None, {"frame": {"duration": 250, "redraw": True}, "fromcurrent": True}],
                    },
                    {
                        "label": "⏸",
                        "method": "animate",
                        "args": [[None], {"frame": {"duration": 0}, "mode": "immediate"}],
                    },
                ],
            }
        ],
        sliders=[
            {
                "active": 0,
                "x": 0.08,
                "len": 0.92,
                "y": -0.04,
                "steps": steps,
                "currentvalue": {"prefix": t("minutes_into_shift") + ": "},
            }
        ],
    )
    fig.update_xaxes(visible=False, range=[-0.7, widest + 4.5])
    fig.update_yaxes(autorange="reversed")
    layout(fig, t("floor_title"), 330 + 34 * len(stations))
    fig.update_layout(margin={"b": 150, "t": 150}, legend={"y": -0.32, "yanchor": "top"})
    return fig


def _frame_notes(recs, f: int) -> list[dict]:
    """Per tier, below its panel: orders waiting before the floor and breakdowns not yet reported."""
    out = []
    n = len(recs)
    for i, (tier, rec) in enumerate(recs):
        x = (i + 0.5) / n
        out.append(
            {
                "text": f"<b>{i18n.tier(tier)}</b>",
                "x": x,
                "y": 1.13,
                "xref": "paper",
                "yref": "paper",
                "yanchor": "bottom",
                "showarrow": False,
                "font": {"size": 14},
            }
        )
        waiting = int(rec.in_transit[f] + rec.held[f])
        note = (
            f"{t('short_waiting')}: {waiting} · {t('short_wip')}: {rec.wip[f]}<br>"
            f"{t('short_unreported')}: {int(rec.unreported[f])}"
        )
        out.append(
            {
                "text": note,
                "x": x,
                "y": 1.01,
                "xref": "paper",
                "yref": "paper",
                "yanchor": "bottom",
                "showarrow": False,
                "font": {"size": 11, "color": "#7b0d0d" if waiting else "#333"},
            }
        )
    return out


def waiting_lines(recs: list[tuple[str, object]]) -> go.Figure:
    """Through the shift, per tier: units waiting before the floor and breakdowns not yet reported."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=[t("in_transit") + " + " + t("held"), t("unreported")])
    for i, (tier, rec) in enumerate(recs):
        x = rec.times - rec.times[0]
        colour = list(TIER_COLOURS.values())[1 + i % 4]
        fig.add_trace(
            go.Scatter(
                x=x, y=rec.in_transit + rec.held, name=i18n.tier(tier), line={"color": colour}, legendgroup=tier
            ),
            row=1,
            col=1,
        )
        fig.add_trace(
            go.Scatter(
                x=x,
                y=rec.unreported,
                name=i18n.tier(tier),
                line={"color": colour, "shape": "hv"},
                legendgroup=tier,
                showlegend=False,
            ),
            row=1,
            col=2,
        )
    fig.update_xaxes(title_text=t("minutes_into_shift"))
    fig.update_yaxes(title_text=t("units"), row=1, col=1)
    fig.update_yaxes(title_text="#", row=1, col=2)
    layout(fig, t("waiting_title"), 400)
    fig.update_layout(legend={"y": -0.25, "yanchor": "top"}, margin={"b": 100})
    return fig


def gantt(rec, plant: Factory, tier: str) -> go.Figure:
    """Each machine's state through the shift as coloured segments."""
    x = rec.times - rec.times[0]
    step = float(x[1] - x[0]) if len(x) > 1 else 1.0
    names = [f"{i18n.station(plant, s)} {i + 1}" for s, i in rec.machines]
    fig = go.Figure()
    for code, state in enumerate(SHOWN_STATES):
        mask = rec.states == code
        if not mask.any():
            continue
        f, m = np.nonzero(mask)
        fig.add_trace(
            go.Bar(
                x=[step] * len(f),
                base=x[f],
                y=[names[j] for j in m],
                orientation="h",
                marker={"color": STATE_COLOURS[state], "line": {"width": 0}},
                name=i18n.state(state),
                hovertemplate="%{base:.0f} min<extra>" + i18n.state(state) + "</extra>",
            )
        )
    fig.update_layout(barmode="overlay", bargap=0.15)
    fig.update_xaxes(title_text=t("minutes_into_shift"))
    fig.update_yaxes(autorange="reversed", categoryorder="array", categoryarray=names)
    return layout(fig, f"{t('gantt_title')} · {i18n.tier(tier)}", 140 + 18 * len(names))
