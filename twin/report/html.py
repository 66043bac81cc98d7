"""The HTML report: one self-contained page (plotly.js inline) that opens offline and prints the same.

The page is a function of the comparison and the language alone (fixed element ids, no date), so the
same run gives the same file.
"""

from __future__ import annotations

from html import escape

import plotly.graph_objects as go
import plotly.offline

from twin.report import figures as F
from twin.report import labels as L
from twin.report import tables as T

CSS = """
body { font-family: %(font)s; color: #222; margin: 0; background: #f6f7f9; }
main { max-width: 1320px; margin: 0 auto; padding: 24px 32px 48px; background: #fff; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 36px 0 8px; padding-bottom: 4px; border-bottom: 2px solid #e3e6ea; }
h3 { font-size: 16px; margin: 18px 0 6px; }
p.meta { color: #555; margin: 2px 0 10px; }
p.note { color: #555; font-size: 13px; margin: 4px 0 8px; }
nav { font-size: 14px; margin: 10px 0 0; }
nav a { margin-right: 14px; color: #1f5f99; text-decoration: none; }
.best { background: #eef6ee; border-left: 5px solid #4c9a6a; padding: 12px 16px; margin: 12px 0; }
.best .name { font-size: 20px; font-weight: 600; }
.best ul { margin: 6px 0 0; padding-left: 20px; color: #333; }
table { border-collapse: collapse; font-size: 13px; margin: 6px 0 10px; }
th, td { border-bottom: 1px solid #e3e6ea; padding: 5px 9px; vertical-align: top; text-align: left; }
th { background: #f0f2f5; font-weight: 600; }
td.n, th.n { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
tr.best-row td { background: #f3faf3; font-weight: 600; }
td .d { display: block; color: #666; font-size: 12px; }
td.tier { text-align: center; font-size: 12px; white-space: nowrap; }
code { font-size: 12px; color: #666; }
details { margin: 6px 0; }
summary { cursor: pointer; color: #1f5f99; }
.scroll { overflow-x: auto; }
.figure { margin: 8px 0 4px; }
"""

TIER_COLOURS = {
    "below_basic": "#e8e8e8",
    "basic": "#d6e6f5",
    "advanced": "#9ec5e8",
    "excellent": "#8fd19e",
    "leading": "#f2c66d",
}


def _figure(fig: go.Figure | None, div_id: str) -> str:
    if fig is None:
        return ""
    body = fig.to_html(
        full_html=False, include_plotlyjs=False, div_id=div_id, config={"displaylogo": False, "responsive": True}
    )
    return f'<div class="figure">{body}</div>'


def _table(headers: list[tuple[str, bool]], rows: list[list[str]], row_classes: list[str] | None = None) -> str:
    """An HTML table; headers are (text, numeric); cells are HTML already escaped."""
    head = "".join(f'<th class="n">{escape(h)}</th>' if n else f"<th>{escape(h)}</th>" for h, n in headers)
    out = [f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>']
    for i, row in enumerate(rows):
        cls = f' class="{row_classes[i]}"' if row_classes and row_classes[i] else ""
        cells = "".join(f'<td class="n">{c}</td>' if headers[j][1] else f"<td>{c}</td>" for j, c in enumerate(row))
        out.append(f"<tr{cls}>{cells}</tr>")
    out.append("</tbody></table></div>")
    return "".join(out)


def _path_cell(key: str, path: dict, lang: str) -> str:
    return f"{escape(L.path_label(key, path, lang))} <code>{escape(key)}</code>"


def _steps(path: dict, baseline_tier: str, lang: str) -> str:
    steps = T.tier_steps(path, baseline_tier)
    if not steps:
        return escape(L.tier_name(baseline_tier, lang))
    return " → ".join(f"{escape(L.word('year_n', lang).format(y=y))}: {escape(L.tier_name(t, lang))}" for y, t in steps)


def _undefined(n: int, k: int | None, key: str, lang: str) -> str:
    if not k:
        return ""
    return f'<span class="d">{escape(L.word(key, lang).format(k=k, n=n))}</span>'


def _summary(result: dict, lang: str) -> str:
    base_tier = result["baseline"]["tier"]
    headers = [
        (L.word("path", lang), False),
        (L.word("tier_reached", lang), False),
        (L.word("capex_total", lang), True),
        (L.word("npv_mean", lang), True),
        (L.word("p_npv_pos", lang), True),
        (L.word("irr_expected", lang), True),
        (L.word("payback_expected", lang), True),
    ]
    rows, classes = [], []
    for key, path in result["paths"].items():
        n = T.n_samples(result, path)
        npv, irr, payback = path["npv_cny"], path["irr"], path["payback_years"]
        star = "★ " if key == result.get("best_path") else ""
        payback_text = L.payback(payback, lang)
        rows.append(
            [
                star + _path_cell(key, path, lang),
                _steps(path, base_tier, lang),
                L.cny(T.total_capex(path)),
                L.with_ci(npv.get("mean"), npv.get("ci95"), L.cny),
                L.pct(path.get("p_npv_positive"), 0),
                (L.pct(irr["expected"]) if irr.get("expected") is not None else L.word("none", lang))
                + _undefined(n, irr.get("n_undefined"), "undefined_in", lang),
                payback_text + _undefined(n, payback.get("n_undefined"), "beyond_in", lang),
            ]
        )
        classes.append("best-row" if star else "")
    return _table(headers, rows, classes)


def _best(result: dict, lang: str) -> str:
    best = result.get("best_path")
    paths = result["paths"]
    sel = result.get("selection") or {}
    name = L.path_label(best, paths[best], lang) if best in paths else str(best)
    facts = [
        f"{L.word('confidence', lang)}: {L.pct(sel.get('confidence'), 0)}",
        f"{L.word('indifference', lang)}: {L.cny(sel.get('delta_cny'))}",
        f"{L.word('replications_used', lang)}: {sel.get('replications', '—')}",
    ]
    unsep = sel.get("unseparated") or []
    if unsep:
        facts.append(
            f"{L.word('unseparated', lang)}: " + ", ".join(L.path_label(k, paths.get(k, {}), lang) for k in unsep)
        )
    else:
        facts.append(f"{L.word('separated', lang)}: {L.word('yes' if sel.get('separated', True) else 'no', lang)}")
    description = paths.get(best, {}).get("description", "")
    return (
        f'<div class="best"><div class="name">{escape(L.word("best_is", lang))} {escape(name)} '
        f"<code>{escape(str(best))}</code></div>"
        f"<p>{escape(L.selection_statement(result, lang))}</p>"
        + (f'<p class="note">{escape(description)}</p>' if description else "")
        + "<ul>"
        + "".join(f"<li>{escape(f)}</li>" for f in facts)
        + "</ul></div>"
    )


def _kpi_tables(result: dict, lang: str) -> str:
    """Per path, every KPI after each stage with its CI and the paired difference to doing nothing."""
    order = T.kpi_order(result)
    baseline = result["baseline"]["kpis"]
    out = []
    for key, path in result["paths"].items():
        headers = [(L.word("kpi", lang), False), (L.word("unit", lang), False), (L.word("baseline", lang), True)]
        headers += [
            (f"{L.word('year_n', lang).format(y=s['year'])} · {L.tier_name(s.get('tier'), lang)}", True)
            for s in path["stages"]
        ]
        rows = []
        for k in order:
            unit = T.kpi_unit(result, k)
            scale, shown = L.DISPLAY.get(unit, (1.0, unit))
            points = " " + L.word("points", lang) if unit == "ratio" else ""
            base = baseline.get(k, {})
            row = [
                escape(L.kpi_label(k, lang)),
                escape(L.unit_label(shown, lang)),
                L.estimate(base.get("mean"), base.get("ci95"), scale),
            ]
            for s in path["stages"]:
                est, d = s["kpis"].get(k, {}), s.get("delta_vs_baseline", {}).get(k, {})
                delta = L.estimate(d.get("mean"), d.get("ci95"), scale, signed=True) + points
                row.append(
                    L.estimate(est.get("mean"), est.get("ci95"), scale) + f'<span class="d">Δ {escape(delta)}</span>'
                )
            rows.append(row)
        investments = "".join(
            f"<li>{escape(L.word('year_n', lang).format(y=s['year']))}: "
            f"{escape(', '.join(s.get('investments') or []))} "
            f"· {escape(L.word('capex', lang))} {L.cny(s.get('capex_cny'))}</li>"
            for s in path["stages"]
        )
        out.append(
            f"<details><summary>{_path_cell(key, path, lang)}</summary>"
            f"<ul>{investments}</ul>{_table(headers, rows)}</details>"
        )
    return "".join(out)


def _tier_timeline(result: dict, lang: str) -> str:
    years = T.timeline_years(result)
    base_tier = result["baseline"]["tier"]
    headers = [(L.word("path", lang), False)] + [(L.word("year_n", lang).format(y=y), False) for y in years]

    def cell(tier: str) -> str:
        colour = TIER_COLOURS.get(tier, "#fff")
        return f'<td class="tier" style="background:{colour}">{escape(L.tier_name(tier, lang))}</td>'

    head = "".join(f"<th>{escape(h)}</th>" for h, _ in headers)
    rows = [f"<tr><td>{escape(L.word('baseline', lang))}</td>" + cell(base_tier) * len(years) + "</tr>"]
    for key, path in result["paths"].items():
        tiers = "".join(cell(T.tier_in_year(path, y, base_tier)) for y in years)
        rows.append(f"<tr><td>{_path_cell(key, path, lang)}</td>{tiers}</tr>")
    return f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table></div>'


def _cash_tables(result: dict, lang: str) -> str:
    out = []
    for key, path in result["paths"].items():
        flows = sorted(path["cash_flows"], key=lambda f: f["year"])
        lines = [k for k in L.CASH_LINES if any(k in f for f in flows)]
        lines += [k for f in flows for k in f if k != "year" and k not in lines and k not in L.CASH_LINES]
        lines = list(dict.fromkeys(lines))
        headers = [(L.word("line", lang), False)] + [(L.word("year_n", lang).format(y=f["year"]), True) for f in flows]
        rows = [[escape(L.line_label(k, lang))] + [L.cny(L.cash_effect(k, f.get(k))) for f in flows] for k in lines]
        classes = ["best-row" if k == "net" else "" for k in lines]
        out.append(
            f"<details><summary>{_path_cell(key, path, lang)}</summary>"
            f"<p class='note'>{escape(L.word('cash_table', lang))}</p>{_table(headers, rows, classes)}</details>"
        )
    return "".join(out)


def _assumptions(result: dict, lang: str) -> str:
    headers = [
        (L.word("assumption", lang), False),
        (L.word("value", lang), True),
        (L.word("low", lang), True),
        (L.word("high", lang), True),
        (L.word("source", lang), False),
    ]
    rows = [
        [
            f"{escape(L.assumption_label(name, lang))} <code>{escape(name)}</code>",
            L.assumption_value(name, a.get("value")),
            L.assumption_value(name, a.get("low")),
            L.assumption_value(name, a.get("high")),
            escape(a.get("source") or ""),
        ]
        for name, a in (result.get("assumptions") or {}).items()
    ]
    return _table(headers, rows)


def _tornado_table(result: dict, lang: str) -> str:
    items = sorted(result.get("tornado") or [], key=lambda t: -abs((t.get("npv_high") or 0) - (t.get("npv_low") or 0)))
    if not items:
        return ""
    headers = [
        (L.word("assumption", lang), False),
        (L.word("low", lang), True),
        (L.word("high", lang), True),
        (L.word("npv_low", lang), True),
        (L.word("npv_high", lang), True),
        (L.word("source", lang), False),
    ]
    rows = [
        [
            escape(L.tornado_label(t, lang)),
            L.assumption_value(t["assumption"], t.get("low")),
            L.assumption_value(t["assumption"], t.get("high")),
            L.cny(t.get("npv_low")),
            L.cny(t.get("npv_high")),
            escape(t.get("source") or ""),
        ]
        for t in items
    ]
    return _table(headers, rows)


def render(result: dict, lang: str = "en") -> str:
    """The whole report as one HTML document."""
    L.check_lang(lang)
    w = lambda key: escape(L.word(key, lang))  # noqa: E731
    model = escape(str(result.get("model", "")))
    meta = " · ".join(
        [
            f"{w('seed')} {result.get('seed')}",
            f"{w('replications')} {result.get('replications')}",
            f"{w('days')} {L.num(result.get('days'))}",
            f"{w('warmup')} {L.num(result.get('warmup_min'))}",
            f"{w('horizon')} {result.get('horizon_years')}",
            f"{w('baseline_tier')} {escape(L.tier_name(result['baseline']['tier'], lang))}",
        ]
    )
    sections = [
        ("best", "sec_best", _best(result, lang)),
        ("summary", "sec_summary", _summary(result, lang)),
        (
            "kpis",
            "sec_kpis",
            f'<p class="note">{w("kpi_note")}</p>'
            + _figure(F.kpi_trajectories(result, lang), "fig-kpis")
            + f"<h3>{w('kpi_table')}</h3>"
            + _kpi_tables(result, lang),
        ),
        ("tiers", "sec_tiers", _tier_timeline(result, lang)),
        (
            "cash",
            "sec_cash",
            f'<p class="note">{w("cash_note")}</p>'
            + _figure(F.cash_flows(result, lang), "fig-cash")
            + f"<h3>{w('cash_table')}</h3>"
            + _cash_tables(result, lang),
        ),
        (
            "npv",
            "sec_npv",
            f'<p class="note">{w("npv_note")}</p>' + _figure(F.npv_distributions(result, lang), "fig-npv"),
        ),
        (
            "tornado",
            "sec_tornado",
            f'<p class="note">{w("tornado_note")}</p>'
            + _figure(F.tornado(result, lang), "fig-tornado")
            + _tornado_table(result, lang),
        ),
        ("assumptions", "sec_assumptions", _assumptions(result, lang)),
    ]
    nav = "".join(f'<a href="#{anchor}">{w(key)}</a>' for anchor, key, _ in sections)
    body = "".join(f'<section id="{anchor}"><h2>{w(key)}</h2>{html}</section>' for anchor, key, html in sections)
    title = f"{w('title')}: {model}"
    return (
        f'<!DOCTYPE html>\n<html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title>'
        f"<style>{CSS % {'font': F.FONT}}</style>"
        f"<script>{plotly.offline.get_plotlyjs()}</script></head><body><main>"
        f'<h1>{title}</h1><p class="meta">{meta}</p><p class="note">{w("intro")}</p>'
        f"<nav><b>{w('contents')}:</b> {nav}</nav>{body}</main></body></html>\n"
    )
