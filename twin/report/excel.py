"""The Excel workbook: every table of the report as plain long tables a controller can filter and pivot.

Values stay numbers (fractions, yuan); number formats only change how Excel shows them.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from twin.report import labels as L
from twin.report import tables as T

CNY, CNY2, PCT, YEARS, GENERAL = "#,##0", "#,##0.00", "0.0%", "0.00", "General"


@dataclass
class Sheet:
    """One sheet: its title, headers, rows, and per-column number formats (one per row where they vary)."""

    title: str
    headers: list[str]
    rows: list[list] = field(default_factory=list)
    formats: dict[int, str] = field(default_factory=dict)
    row_formats: dict[int, Callable[[list], str]] = field(default_factory=dict)
    wrap: set[int] = field(default_factory=set)


def _kpi_format(unit: str) -> str:
    if unit == "ratio":
        return PCT
    return CNY2 if unit.startswith("CNY") else GENERAL


def _ci(est: dict | None) -> tuple:
    est = est or {}
    lo, hi = est.get("ci95") or (None, None)
    return est.get("mean"), lo, hi


def _summary(result: dict, lang: str) -> Sheet:
    w = lambda k: L.word(k, lang)  # noqa: E731
    irr, pay, npv = w("irr"), w("payback"), w("npv")
    sheet = Sheet(
        w("sh_summary"),
        [w("path_id"), w("path"), w("description"), w("tier_end"), w("tier_reached"), w("capex_total")]
        + [f"{npv} – {w(k)}" for k in ("mean", "ci_lo", "ci_hi", "p5", "p95")]
        + [w("p_npv_pos")]
        + [f"{irr} – {w(k)}" for k in ("expected", "mean", "ci_lo", "ci_hi", "n_undefined")]
        + [f"{pay} – {w(k)}" for k in ("expected", "mean", "ci_lo", "ci_hi", "n_undefined")],
        formats={5: CNY, 6: CNY, 7: CNY, 8: CNY, 9: CNY, 10: CNY, 11: PCT, 12: PCT, 13: PCT, 14: PCT, 15: PCT}
        | {17: YEARS, 18: YEARS, 19: YEARS, 20: YEARS},
        wrap={2},
    )
    base_tier = result["baseline"]["tier"]
    for key, path in result["paths"].items():
        steps = "; ".join(
            f"{w('year_n').format(y=y)}: {L.tier_name(t, lang)}" for y, t in T.tier_steps(path, base_tier)
        )
        npv_d, irr_d, pay_d = path["npv_cny"], path["irr"], path["payback_years"]
        sheet.rows.append(
            [key, L.path_label(key, path, lang), path.get("description", "")]
            + [L.tier_name(T.final_tier(path, base_tier), lang), steps, T.total_capex(path)]
            + [*_ci(npv_d), npv_d.get("p5"), npv_d.get("p95"), path.get("p_npv_positive")]
            + [irr_d.get("expected"), *_ci(irr_d), irr_d.get("n_undefined")]
            + [pay_d.get("expected"), *_ci(pay_d), pay_d.get("n_undefined")]
        )
    return sheet


def _kpis(result: dict, lang: str) -> Sheet:
    w = lambda k: L.word(k, lang)  # noqa: E731
    sheet = Sheet(
        w("sh_kpis"),
        [w("path_id"), w("path"), w("stage"), w("year"), w("investments"), w("tier"), w("kpi_id"), w("kpi")]
        + [w("unit"), w("mean"), w("ci_lo"), w("ci_hi"), w("delta_mean"), w("delta_lo"), w("delta_hi")],
    )
    units = {k: T.kpi_unit(result, k) for k in T.kpi_order(result)}
    baseline = result["baseline"]
    for k, unit in units.items():
        if k in baseline["kpis"]:
            sheet.rows.append(
                ["baseline", w("baseline"), None, None, None, L.tier_name(baseline["tier"], lang), k]
                + [L.kpi_label(k, lang), L.unit_label(unit, lang), *_ci(baseline["kpis"][k]), None, None, None]
            )
    for key, path in result["paths"].items():
        for i, stage in enumerate(path["stages"], start=1):
            for k, unit in units.items():
                if k not in stage["kpis"]:
                    continue
                sheet.rows.append(
                    [key, L.path_label(key, path, lang), i, stage["year"], ", ".join(stage.get("investments") or [])]
                    + [L.tier_name(stage.get("tier"), lang), k, L.kpi_label(k, lang), L.unit_label(unit, lang)]
                    + [*_ci(stage["kpis"][k]), *_ci((stage.get("delta_vs_baseline") or {}).get(k))]
                )
    for col in range(9, 15):
        sheet.row_formats[col] = lambda row: _kpi_format(units.get(row[6], ""))
    return sheet


def _tiers(result: dict, lang: str) -> Sheet:
    w = lambda k: L.word(k, lang)  # noqa: E731
    years = T.timeline_years(result)
    base_tier = result["baseline"]["tier"]
    sheet = Sheet(w("sh_tiers"), [w("path_id"), w("path")] + [w("year_n").format(y=y) for y in years])
    sheet.rows.append(["baseline", w("baseline")] + [L.tier_name(base_tier, lang)] * len(years))
    for key, path in result["paths"].items():
        sheet.rows.append(
            [key, L.path_label(key, path, lang)]
            + [L.tier_name(T.tier_in_year(path, y, base_tier), lang) for y in years]
        )
    return sheet


def _cash(result: dict, lang: str) -> Sheet:
    w = lambda k: L.word(k, lang)  # noqa: E731
    sheet = Sheet(
        w("sh_cash"),
        [w("path_id"), w("path"), w("year"), w("line_id"), w("line"), w("cash_effect_cny")],
        formats={5: CNY},
    )
    for key, path in result["paths"].items():
        for flow in sorted(path["cash_flows"], key=lambda f: f["year"]):
            for line, value in flow.items():
                if line != "year":
                    name = L.path_label(key, path, lang)
                    cash = L.cash_effect(line, value)
                    sheet.rows.append([key, name, flow["year"], line, L.line_label(line, lang), cash])
    return sheet


def _npv_samples(result: dict, lang: str) -> Sheet:
    w = lambda k: L.word(k, lang)  # noqa: E731
    sheet = Sheet(w("sh_npv"), [w("path_id"), w("path"), w("replication"), w("npv")], formats={3: CNY})
    for key, path in result["paths"].items():
        for i, value in enumerate(path.get("npv_samples") or [], start=1):
            sheet.rows.append([key, L.path_label(key, path, lang), i, value])
    return sheet


def _value_format(name: str) -> str:
    return PCT if name in L.RATE_ASSUMPTIONS else GENERAL


def _tornado(result: dict, lang: str) -> Sheet:
    w = lambda k: L.word(k, lang)  # noqa: E731
    sheet = Sheet(
        w("sh_tornado"),
        [w("assumption_id"), w("assumption"), w("low"), w("high"), w("npv_low"), w("npv_high"), w("swing")]
        + [w("source")],
        formats={4: CNY, 5: CNY, 6: CNY},
        row_formats={2: lambda row: _value_format(row[0]), 3: lambda row: _value_format(row[0])},
        wrap={7},
    )
    for t in result.get("tornado") or []:
        lo, hi = t.get("npv_low"), t.get("npv_high")
        swing = abs(hi - lo) if lo is not None and hi is not None else None
        sheet.rows.append(
            [t["assumption"], L.tornado_label(t, lang), t.get("low"), t.get("high"), lo, hi, swing]
            + [t.get("source", "")]
        )
    return sheet


def _assumptions(result: dict, lang: str) -> Sheet:
    w = lambda k: L.word(k, lang)  # noqa: E731
    fmt = lambda row: _value_format(row[0])  # noqa: E731
    sheet = Sheet(
        w("sh_assumptions"),
        [w("assumption_id"), w("assumption"), w("value"), w("low"), w("high"), w("source")],
        row_formats={2: fmt, 3: fmt, 4: fmt},
        wrap={5},
    )
    for name, a in (result.get("assumptions") or {}).items():
        sheet.rows.append(
            [name, L.assumption_label(name, lang), a.get("value"), a.get("low"), a.get("high"), a.get("source", "")]
        )
    return sheet


def _selection(result: dict, lang: str) -> Sheet:
    w = lambda k: L.word(k, lang)  # noqa: E731
    sel = result.get("selection") or {}
    paths = result["paths"]
    best = result.get("best_path")
    names = lambda keys: ", ".join(L.path_label(k, paths.get(k, {}), lang) for k in keys)  # noqa: E731
    rows = [
        [w("model"), result.get("model")],
        [w("seed"), result.get("seed")],
        [w("replications"), result.get("replications")],
        [w("days"), result.get("days")],
        [w("warmup"), result.get("warmup_min")],
        [w("horizon"), result.get("horizon_years")],
        [w("baseline_tier"), L.tier_name(result["baseline"]["tier"], lang)],
        [w("best_path"), f"{L.path_label(best, paths.get(best, {}), lang)} ({best})"],
        [w("confidence"), sel.get("confidence")],
        [w("indifference"), sel.get("delta_cny")],
        [w("replications_used"), sel.get("replications")],
        [w("separated"), w("yes") if sel.get("separated", not sel.get("unseparated")) else w("no")],
        [w("unseparated"), names(sel.get("unseparated") or []) or w("none")],
        [w("statement"), L.selection_statement(result, lang)],
    ]
    formats = {w("confidence"): PCT, w("indifference"): CNY}
    return Sheet(
        w("sh_selection"), [w("item"), w("value")], rows, row_formats={1: lambda row: formats.get(row[0], GENERAL)}
    )


def _width(value) -> int:
    text = value if isinstance(value, str) else f"{value:,.2f}" if isinstance(value, float) else str(value or "")
    return sum(2 if ord(c) > 0x2E80 else 1 for c in text)  # CJK characters are twice as wide


def _write(wb: Workbook, sheet: Sheet) -> None:
    ws = wb.create_sheet(sheet.title)
    ws.append(sheet.headers)
    for row in sheet.rows:
        ws.append(row)
    fill = PatternFill("solid", fgColor="E8ECF1")
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = fill
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for r, row in enumerate(sheet.rows, start=2):
        for c in range(len(row)):
            fmt = sheet.row_formats[c](row) if c in sheet.row_formats else sheet.formats.get(c)
            if fmt:
                ws.cell(r, c + 1).number_format = fmt
            if c in sheet.wrap:
                ws.cell(r, c + 1).alignment = Alignment(wrap_text=True, vertical="top")
    for c, header in enumerate(sheet.headers):
        widest = max([_width(header)] + [_width(row[c]) for row in sheet.rows if c < len(row)])
        ws.column_dimensions[get_column_letter(c + 1)].width = min(60 if c in sheet.wrap else 40, widest + 2)
    ws.freeze_panes = "A2"


def workbook_bytes(result: dict, lang: str = "en") -> bytes:
    """The workbook as bytes (nothing is written to disk here, so a failure leaves no file behind)."""
    L.check_lang(lang)
    wb = Workbook()
    wb.remove(wb.active)
    for build in (_summary, _kpis, _tiers, _cash, _npv_samples, _tornado, _assumptions, _selection):
        _write(wb, build(result, lang))
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
