"""The report's plotly charts, built from the comparison dict; every one titled, with units on its axes."""

from __future__ import annotations

import math

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from twin.report import labels as L
from twin.report import tables as T

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2")
FONT = '"Segoe UI", "Helvetica Neue", Arial, "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif'
POSITIVE, NEGATIVE = "#4c9a6a", "#c8553d"


def path_colours(result: dict) -> dict[str, str]:
    return {key: PALETTE[i % len(PALETTE)] for i, key in enumerate(result["paths"])}


def _rgba(hex_colour: str, alpha: float) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def layout(fig: go.Figure, title: str, height: int, margin: dict | None = None) -> go.Figure:
    """Title, font, size and legend every chart of the report (and the dashboard) shares."""
    fig.update_layout(
        # the title at the very top, the legend just above the plot: a long title cannot run into the legend
        title={
            "text": title,
            "x": 0.01,
            "xanchor": "left",
            "y": 1,
            "yref": "container",
            "yanchor": "top",
            "pad": {"t": 12},
        },  # fmt: skip
        template="plotly_white",
        font={"family": FONT, "size": 13},
        height=height,
        margin=margin or {"l": 70, "r": 30, "t": 90, "b": 50},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0, "xanchor": "left"},
        hoverlabel={"namelength": -1},
    )
    return fig


def _ok(x) -> bool:
    return x is not None and not (isinstance(x, float) and math.isnan(x))


def kpi_trajectories(result: dict, lang: str) -> go.Figure | None:
    """Small multiples of the main KPIs after each stage, per path, with the 95 % CI as a band."""
    order = T.kpi_order(result)
    kpis = [k for k in T.MAIN_KPIS if k in order]
    if not kpis:
        return None
    cols = 4 if len(kpis) > 4 else len(kpis)
    rows = math.ceil(len(kpis) / cols)
    titles = []
    for k in kpis:
        scale, shown = L.DISPLAY.get(T.kpi_unit(result, k), (1.0, T.kpi_unit(result, k)))
        titles.append(f"{L.kpi_label(k, lang)} ({L.unit_label(shown, lang)})")
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=titles, horizontal_spacing=0.06, vertical_spacing=0.16)
    colours = path_colours(result)
    years = [s["year"] for p in result["paths"].values() for s in p["stages"]]
    span = [min(years), max(years)] if years else [0, 1]
    if span[0] == span[1]:  # one stage: the baseline still needs a length to be seen
        span = [span[0] - 0.5, span[1] + 0.5]
    baseline = result["baseline"]["kpis"]
    for i, k in enumerate(kpis):
        row, col = i // cols + 1, i % cols + 1
        scale, _ = L.DISPLAY.get(T.kpi_unit(result, k), (1.0, ""))
        base = baseline.get(k, {}).get("mean")
        if _ok(base):
            fig.add_trace(
                go.Scatter(
                    x=span,
                    y=[base * scale] * 2,
                    mode="lines",
                    line={"color": "#777", "dash": "dash", "width": 1.5},
                    name=L.word("baseline", lang),
                    legendgroup="baseline",
                    showlegend=i == 0,
                    hovertemplate="%{y:.4g}<extra>" + L.word("baseline", lang) + "</extra>",
                ),
                row=row,
                col=col,
            )
        for key, path in result["paths"].items():
            name = L.path_label(key, path, lang)
            points = [(s["year"], s["kpis"].get(k, {})) for s in path["stages"]]
            points = [(y, e) for y, e in points if _ok(e.get("mean"))]
            band = [(y, e["ci95"]) for y, e in points if e.get("ci95") and all(_ok(v) for v in e["ci95"])]
            if band:
                xs = [y for y, _ in band]
                fig.add_trace(
                    go.Scatter(
                        x=xs + xs[::-1],
                        y=[ci[1] * scale for _, ci in band] + [ci[0] * scale for _, ci in band][::-1],
                        mode="lines",
                        fill="toself",
                        fillcolor=_rgba(colours[key], 0.10),  # light: four paths' bands overlap
                        line={"width": 0},
                        hoverinfo="skip",
                        legendgroup=key,
                        showlegend=False,
                    ),
                    row=row,
                    col=col,
                )
            fig.add_trace(
                go.Scatter(
                    x=[y for y, _ in points],
                    y=[e["mean"] * scale for _, e in points],
                    mode="lines+markers",
                    line={"color": colours[key], "width": 2},
                    marker={"size": 6},
                    name=name,
                    legendgroup=key,
                    showlegend=i == 0,
                    hovertemplate="%{y:.4g}<extra>" + name + "</extra>",
                ),
                row=row,
                col=col,
            )
    fig.update_xaxes(dtick=1, title_text=None)
    for c in range(1, cols + 1):
        fig.update_xaxes(title_text=L.word("stage_year", lang), row=rows, col=c)
    height = 330 * rows + 150
    layout(fig, L.word("ch_kpis", lang), height)
    plot_h = height - 120 - 50  # the legend sits above the top row's subplot titles
    fig.update_layout(margin={"t": 120}, legend={"y": 1 + 34 / plot_h})
    return fig


def cash_flows(result: dict, lang: str) -> go.Figure:
    """Per path: the net cash flow per year as bars, the cumulative discounted line and its payback point."""
    keys = list(result["paths"])
    names = [L.path_label(k, result["paths"][k], lang) for k in keys]
    fig = make_subplots(
        rows=len(keys), cols=1, shared_xaxes=True, shared_yaxes=True, subplot_titles=names, vertical_spacing=0.08
    )
    colours = path_colours(result)
    for i, key in enumerate(keys):
        flows = sorted(result["paths"][key]["cash_flows"], key=lambda f: f["year"])
        years = [f["year"] for f in flows]
        net = [f.get("net") for f in flows]
        fig.add_trace(
            go.Bar(
                x=years,
                y=net,
                marker_color=[POSITIVE if (v or 0) >= 0 else NEGATIVE for v in net],
                name=L.word("ch_net", lang),
                legendgroup="net",
                showlegend=i == 0,
                hovertemplate="%{y:,.0f}<extra>" + L.word("ch_net", lang) + "</extra>",
            ),
            row=i + 1,
            col=1,
        )
        fig.add_trace(
            go.Scatter(
                x=years,
                y=[f.get("cumulative_discounted") for f in flows],
                mode="lines+markers",
                line={"color": colours[key], "width": 2.5},
                name=L.word("ch_cum", lang),
                legendgroup="cum",
                showlegend=i == 0,
                hovertemplate="%{y:,.0f}<extra>" + L.word("ch_cum", lang) + "</extra>",
            ),
            row=i + 1,
            col=1,
        )
        point = T.payback_point(flows)
        if point is not None:
            label = L.word("ch_payback", lang).format(y=point)
            fig.add_trace(
                go.Scatter(
                    x=[point],
                    y=[0],
                    mode="markers",
                    marker={"symbol": "diamond", "size": 13, "color": "#222", "line": {"color": "white", "width": 1}},
                    showlegend=False,
                    hovertemplate=label + "<extra></extra>",
                ),
                row=i + 1,
                col=1,
            )
            fig.add_annotation(
                x=point,
                y=0,
                text=label,
                showarrow=True,
                arrowhead=0,
                ax=0,
                ay=-34,
                bgcolor="rgba(255,255,255,0.9)",
                bordercolor="#222",
                borderwidth=1,
                row=i + 1,
                col=1,
            )
    fig.update_yaxes(tickformat=",.0f", zeroline=True, zerolinecolor="#444", title_text=L.word("value_cny", lang))
    fig.update_xaxes(dtick=1)
    fig.update_xaxes(title_text=L.word("year", lang), row=len(keys), col=1)
    fig.update_layout(bargap=0.35)
    return layout(fig, L.word("ch_cash", lang), 260 * len(keys) + 140)


def npv_distributions(result: dict, lang: str) -> go.Figure:
    """The NPV of every replication per path, as a box with its points, and the zero line."""
    fig = go.Figure()
    colours = path_colours(result)
    keys = list(result["paths"])
    for key in reversed(keys):  # first path on top
        path = result["paths"][key]
        name = L.path_label(key, path, lang)
        fig.add_trace(
            go.Box(
                x=path.get("npv_samples") or [],
                name=name,
                orientation="h",
                boxpoints="all",
                jitter=0.5,
                pointpos=0,
                boxmean=True,
                marker={"color": colours[key], "size": 5, "opacity": 0.6},
                line={"color": colours[key]},
                fillcolor=_rgba(colours[key], 0.15),
                showlegend=False,
                hovertemplate="%{x:,.0f}<extra>" + name + "</extra>",
            )
        )
    fig.add_vline(x=0, line={"color": "#444", "width": 1.5, "dash": "dash"})
    fig.update_xaxes(tickformat=",.0f", title_text=L.word("npv", lang))
    fig.update_yaxes(automargin=True)
    return layout(fig, L.word("ch_npv", lang), 110 * len(keys) + 170)


def tornado(result: dict, lang: str) -> go.Figure | None:
    """Expected NPV of the best path with each assumption at its low and its high value, around the base NPV."""
    items = [t for t in result.get("tornado") or [] if _ok(t.get("npv_low")) and _ok(t.get("npv_high"))]
    best = result.get("best_path")
    if not items or best not in result["paths"]:
        return None
    base = result["paths"][best]["npv_cny"].get("mean")
    if not _ok(base):
        return None
    items.sort(key=lambda t: abs(t["npv_high"] - t["npv_low"]))  # widest at the top
    ticks = [
        f"{L.tornado_label(t, lang)} "
        f"({L.assumption_value(t['assumption'], t.get('low'))} – {L.assumption_value(t['assumption'], t.get('high'))})"
        for t in items
    ]
    fig = go.Figure()
    for side, colour, word in (("npv_low", "#4a7fb5", "ch_at_low"), ("npv_high", "#e08a3c", "ch_at_high")):
        fig.add_trace(
            go.Bar(
                y=ticks,
                x=[t[side] - base for t in items],
                base=[base] * len(items),
                orientation="h",
                marker_color=colour,
                name=L.word(word, lang),
                customdata=[t[side] for t in items],
                hovertemplate="%{customdata:,.0f}<extra>" + L.word(word, lang) + "</extra>",
            )
        )
    fig.add_vline(
        x=base,
        line={"color": "#222", "width": 1.5},
        annotation_text=L.word("ch_base_npv", lang).format(v=L.cny(base)),
        annotation_position="top",
        annotation_bgcolor="rgba(255,255,255,0.9)",
    )
    fig.update_layout(barmode="overlay")
    fig.update_xaxes(tickformat=",.0f", title_text=L.word("npv", lang))
    fig.update_yaxes(automargin=True)
    title = L.word("ch_tornado", lang).format(path=L.path_label(best, result["paths"][best], lang))
    height, top, bottom = 46 * len(items) + 220, 120, 50
    layout(fig, title, height, margin={"l": 70, "r": 30, "t": top, "b": bottom})
    # the legend between the title and the base-NPV label that sits on the plot's top edge
    fig.update_layout(legend={"y": 1 + 40 / (height - top - bottom)})
    return fig
