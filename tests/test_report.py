"""The ``--report DIR`` output of ``twin compare``: the HTML page, the workbook, and how they are written."""

from __future__ import annotations

import ast
import copy
import errno
import json
import os
import re
from pathlib import Path

import numpy as np
import numpy_financial as npf
import openpyxl
import pytest

import twin.report
from twin.economics.cashflow import discounted_payback
from twin.report import excel, write_report
from twin.report.labels import selection_statement
from twin.report.tables import payback_point
from twin.run import files
from twin.run.files import OutputError

MAIN = {
    # KPI: (unit, baseline mean, relative half-width of the CI, change per stage as a share of the baseline)
    "throughput_per_h": ("units/h", 3.62, 0.02, 0.025),
    "lead_time_min": ("min", 2590.0, 0.04, -0.09),
    "oee": ("ratio", 0.548, 0.015, 0.03),
    "oee_loaded": ("ratio", 0.611, 0.015, 0.035),
    "on_time_rate": ("ratio", 0.81, 0.02, 0.035),
    "scrap_rate": ("ratio", 0.031, 0.08, -0.12),
    "wip": ("units", 158.0, 0.04, -0.08),
    "energy_kwh_per_unit": ("kWh/unit", 14.2, 0.01, -0.04),
    "labour_productivity": ("units/operator-h", 0.41, 0.02, 0.05),
    "unit_cost_cny": ("CNY/unit", 428.5, 0.01, -0.03),
}
LINES = ("revenue", "material", "direct_labour", "indirect_labour", "energy", "maintenance", "overhead")
TIERS_BY_PATH = {
    "integration_first": ["advanced", "advanced", "excellent", "excellent"],
    "capacity_first": ["basic", "basic", "advanced", "excellent"],
    "quick_wins": ["basic", "advanced", "advanced", "advanced"],
}


def _ci(mean: float, half: float) -> dict:
    return {"mean": mean, "ci95": [mean - half, mean + half]}


def _money(samples: np.ndarray) -> dict:
    half = 2.09 * samples.std(ddof=1) / np.sqrt(len(samples))
    return _ci(float(samples.mean()), float(half)) | {
        "p5": float(np.percentile(samples, 5)),
        "p95": float(np.percentile(samples, 95)),
    }


def sample_comparison(reps: int = 20, horizon: int = 10) -> dict:
    """A comparison shaped like ``twin compare --json``: 3 paths of 4 stages, 11 years, made-up but plausible."""
    rng = np.random.default_rng(7)
    rate = 0.08
    baseline = {k: _ci(m, m * h) | {"unit": u} for k, (u, m, h, _) in MAIN.items()}
    paths = {}
    for p, (key, tiers) in enumerate(TIERS_BY_PATH.items()):
        stages = []
        for s, tier in enumerate(tiers):
            gain = (s + 1) * (1 + 0.2 * p)
            kpis, deltas = {}, {}
            for k, (u, m, h, step) in MAIN.items():
                mean = m * (1 + step * gain)
                kpis[k] = _ci(mean, mean * h) | {"unit": u}
                deltas[k] = _ci(mean - m, abs(mean * h) / 3)
            capex = float(rng.uniform(0.6e6, 2.4e6))
            stages.append(
                {"year": s, "investments": [f"inv_{p}_{s}_{i}" for i in range(3)], "capex_cny": capex, "tier": tier}
                | {"kpis": kpis, "delta_vs_baseline": deltas}
            )
        capex_by_year = [stages[y]["capex_cny"] if y < len(stages) else 0.0 for y in range(horizon + 1)]
        cash_flows, nets, cumulative = [], [], 0.0
        for year in range(horizon + 1):
            ramp = min(year + 0.5, 4) / 4 * rng.normal(1, 0.04)  # effects phase in as the stages are installed
            revenue = 2.6e6 * ramp * (1 - 0.25 * p)
            lines = {"revenue": revenue, "material": -0.55 * revenue}
            lines |= {"direct_labour": 4.6e5 * ramp, "indirect_labour": 2.1e5 * ramp, "energy": 1.8e5 * ramp}
            lines |= {"maintenance": 0.9e5 * ramp, "overhead": 0.0, "inventory_carrying": 0.5e5 * ramp}
            lines["opex"] = -1.6e5 * min(year + 1, 4) / 4
            operating = sum(lines.values())
            depreciation = sum(capex_by_year[:year]) / 8
            tax = 0.25 * (operating - depreciation)
            residual = 0.2 * sum(capex_by_year) if year == horizon else 0.0
            net = operating - capex_by_year[year] - tax + residual
            cumulative += net / (1 + rate) ** year
            nets.append(net)
            cash_flows.append(
                {"year": year}
                | {k: float(v) for k, v in lines.items()}
                | {"operating": float(operating), "capex": capex_by_year[year], "residual_value": residual}
                | {"depreciation": depreciation, "tax": float(tax), "awards_after_tax": 0.0, "net": float(net)}
                | {"cumulative_discounted": float(cumulative)}
            )
        npv_samples = rng.normal(cumulative, 0.4 * abs(cumulative) + 3e5, reps)
        irr_samples = rng.normal(npf.irr(nets), 0.03, reps)
        payback = _money(rng.normal(discounted_payback(rate, nets) or 10.5, 0.4, reps)) | {
            "n_undefined": 2 if p == 2 else 0,
            "expected": discounted_payback(rate, nets),
        }
        timeline, tier = [], "basic"
        for year in range(horizon + 1):
            tier = tiers[year] if year < len(tiers) else tier
            timeline.append({"year": year, "tier": tier})
        paths[key] = {
            "name_en": {"integration_first": "Integration first", "capacity_first": "Equipment and capacity first"}.get(
                key, "Quick wins first"
            ),
            "name_zh": {"integration_first": "集成先行", "capacity_first": "装备先行"}.get(key, "速赢优先"),
            "description": f"Reference path {key}: the order the tier plan describes, year split assumed.",
            "stages": stages,
            "tier_timeline": timeline,
            "npv_cny": _money(npv_samples),
            "irr": _money(irr_samples) | {"n_undefined": 0, "expected": float(npf.irr(nets))}
            if p != 2
            else {"mean": None, "ci95": [None, None], "p5": None, "p95": None, "n_undefined": reps, "expected": None},
            "payback_years": payback,
            "p_npv_positive": float(np.mean(npv_samples > 0)),
            "npv_samples": [float(x) for x in npv_samples],
            "cash_flows": cash_flows,
        }
    best = max(paths, key=lambda k: paths[k]["npv_cny"]["mean"])
    base = paths[best]["npv_cny"]["mean"]
    assumptions = {
        "discount_rate": {
            "value": 0.08,
            "low": 0.06,
            "high": 0.12,
            "source": "plant-data B9 [S72]: social discount rate 8 %",
        },
        "demand_growth": {"value": 0.0, "low": -0.05, "high": 0.05, "source": "assumed: flat demand"},
        "price_erosion": {"value": 0.02, "low": 0.0, "high": 0.04, "source": "assumed: yearly price-downs 0-4 %"},
        "income_tax_rate": {"value": 0.25, "low": 0.15, "high": 0.25, "source": "Enterprise Income Tax Law art. 4"},
        "horizon_years": {"value": 10, "low": None, "high": None, "source": "issue 10 §2"},
        "effect:mes": {"value": 1.0, "low": 0.5, "high": 1.5, "source": "assumed: effect factor of MES"},
    }
    tornado = [
        {"assumption": name, "low": a["low"], "high": a["high"], "source": a["source"]}
        | {"npv_low": base + swing, "npv_high": base - 0.8 * swing}
        for (name, a), swing in zip(
            [(n, a) for n, a in assumptions.items() if a["low"] is not None],
            (9e5, -1.6e6, 7e5, 2e5, -1.1e6),
            strict=True,
        )
    ]
    return {
        "model": "precision_machining",
        "seed": 42,
        "replications": reps,
        "days": 56.0,
        "warmup_min": 10080.0,
        "horizon_years": horizon,
        "baseline": {"tier": "basic", "kpis": baseline},
        "paths": paths,
        "best_path": best,
        "selection": {
            "confidence": 0.95,
            "delta_cny": 150000.0,
            "replications": reps,
            "separated": False,
            "unseparated": ["capacity_first"] if best != "capacity_first" else ["integration_first"],
            "statement": f"{best} is best by expected NPV; it could not be told apart from one path within δ.",
        },
        "tornado": tornado,
        "assumptions": assumptions,
    }


SHEETS = {
    "en": [
        "Summary",
        "KPIs per stage",
        "Tier timeline",
        "Cash flows",
        "NPV samples",
        "Tornado",
        "Assumptions",
        "Selection",
    ],
    "zh": ["汇总", "各阶段KPI", "梯度时间线", "现金流", "净现值样本", "敏感性分析", "假设", "路径选择"],
}
HEADERS = {  # sheet → the first columns, as a reader of that language expects them
    "en": {
        "Summary": ["Path id", "Path", "Description", "Tier at the end", "Tier reached by year", "Total capex (CNY)"],
        "KPIs per stage": ["Path id", "Path", "Stage", "Year", "Investments", "Tier", "KPI id", "KPI", "Unit", "Mean"],
        "Cash flows": ["Path id", "Path", "Year", "Line id", "Line", "Cash effect (CNY; + in, − out)"],
        "NPV samples": ["Path id", "Path", "Replication", "NPV (CNY)"],
        "Tornado": ["Assumption id", "Assumption", "Low", "High", "NPV at low (CNY)", "NPV at high (CNY)"],
        "Assumptions": ["Assumption id", "Assumption", "Value", "Low", "High", "Source"],
        "Selection": ["Item", "Value"],
    },
    "zh": {
        "汇总": ["路径代码", "路径", "说明", "最终梯度", "逐年达到的梯度", "总投资（元）"],
        "各阶段KPI": ["路径代码", "路径", "阶段", "年份", "投资项目", "梯度", "指标代码", "指标", "单位", "均值"],
        "现金流": ["路径代码", "路径", "年份", "科目代码", "科目", "现金影响（元；+ 流入，− 流出）"],
        "净现值样本": ["路径代码", "路径", "重复序号", "净现值（元）"],
        "敏感性分析": ["假设代码", "假设", "低值", "高值", "取低值时净现值（元）", "取高值时净现值（元）"],
        "假设": ["假设代码", "假设", "取值", "低值", "高值", "来源"],
        "路径选择": ["项目", "取值"],
    },
}


@pytest.fixture(scope="module")
def sample() -> dict:
    return sample_comparison()


def _shows(text: str, page: str) -> bool:
    """``text`` is on the page, in its HTML or in a chart's JSON (which writes non-ASCII as \\u escapes)."""
    return text in page or json.dumps(text)[1:-1] in page


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_the_report_is_an_html_page_and_a_workbook(sample, tmp_path):
    written = write_report(sample, tmp_path / "out")
    assert [p.name for p in written] == ["report.html", "report.xlsx"]
    assert all(p.is_file() and p.stat().st_size > 0 for p in written)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["report.html", "report.xlsx"]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_page_holds_the_tables_and_opens_offline(sample, tmp_path, lang):
    page = write_report(sample, tmp_path, lang)[0].read_text(encoding="utf-8")
    for key, path in sample["paths"].items():
        assert (path["name_zh"] if lang == "zh" else path["name_en"]) in page
        assert f"<code>{key}</code>" in page
    assert "plant-data B9 [S72]: social discount rate 8 %" in page  # an assumption's source
    assert "★ " in page and sample["best_path"] in page
    assert not re.search(r"<script[^>]*\bsrc\s*=", page, re.IGNORECASE)  # everything inline
    assert page.count("Plotly.newPlot(") == 4  # KPIs, cash flows, NPV, tornado
    assert "<link" not in page


def test_the_page_speaks_the_language_asked_for(sample, tmp_path):
    en = write_report(sample, tmp_path / "en", "en")[0].read_text(encoding="utf-8")
    zh = write_report(sample, tmp_path / "zh", "zh")[0].read_text(encoding="utf-8")
    for heading_en, heading_zh in [
        ("Tier timeline", "梯度时间线"),
        ("NPV distributions", "净现值分布"),
        ("Assumptions and sources", "假设与来源"),
        ("Cash flow incremental to doing nothing (CNY)", "相对不投资的增量现金流（元）"),
    ]:
        assert _shows(heading_en, en) and not _shows(heading_en, zh)
        assert _shows(heading_zh, zh) and not _shows(heading_zh, en)
    assert "卓越级" in zh and "Excellent" in en


def test_the_page_writes_money_with_thousands_separators_and_shares_as_percentages(sample, tmp_path):
    page = write_report(sample, tmp_path)[0].read_text(encoding="utf-8")
    best = sample["paths"][sample["best_path"]]
    assert f"{best['npv_cny']['mean']:,.0f}" in page
    assert f"{100 * best['p_npv_positive']:.0f} %" in page
    assert "8.0 % [" not in page and '<td class="n">8.0 %</td>' in page  # the discount rate, no CI


def test_an_undefined_irr_and_a_payback_beyond_the_horizon_are_said_in_words(sample, tmp_path):
    page = write_report(sample, tmp_path)[0].read_text(encoding="utf-8")
    assert "undefined in 20 of 20" in page
    assert "beyond the horizon in 2 of 20" in page


def test_irr_and_payback_are_those_of_the_mean_cash_flows_as_on_the_chart(sample, tmp_path):
    page = write_report(sample, tmp_path)[0].read_text(encoding="utf-8")
    for path in sample["paths"].values():
        years = path["payback_years"]["expected"]
        if years is not None:
            assert f"{years:.1f}" in page
            assert years == pytest.approx(payback_point(path["cash_flows"]), abs=0.05)


def test_a_best_path_that_loses_money_is_called_the_least_bad(sample):
    losing = copy.deepcopy(sample)
    assert "doing nothing" not in selection_statement(losing, "en")
    for path in losing["paths"].values():
        path["npv_cny"]["mean"] = -abs(path["npv_cny"]["mean"]) - 1
    assert "doing nothing is worth more" in selection_statement(losing, "en")
    assert "不投资优于任何路径" in selection_statement(losing, "zh")


def test_cash_lines_read_as_money_in_and_out_against_doing_nothing():
    from twin.report import labels as L

    assert L.cash_effect("material", -1200.0) == 1200.0  # material saved: money in
    assert L.cash_effect("capex", 5e5) == -5e5 and L.cash_effect("tax", -300.0) == 300.0  # a tax shield is money in
    assert L.cash_effect("revenue", 800.0) == 800.0 and L.cash_effect("net", -2.0) == -2.0
    assert L.cny(L.cash_effect("energy", 0.0)) == "0" and L.cny(-0.4) == "0"


def test_the_same_comparison_gives_the_same_page(sample, tmp_path):
    a = write_report(sample, tmp_path / "a")[0].read_bytes()
    b = write_report(sample, tmp_path / "b")[0].read_bytes()
    assert a == b


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_workbook_has_every_sheet_with_headers_in_the_language_asked_for(sample, tmp_path, lang):
    book = openpyxl.load_workbook(write_report(sample, tmp_path, lang)[1])
    assert book.sheetnames == SHEETS[lang]
    for name, first in HEADERS[lang].items():
        header = [c.value for c in book[name][1]]
        assert header[: len(first)] == first, name
    if lang == "zh":  # nothing left in English but codes and abbreviations
        for name in book.sheetnames:
            for h in (c.value for c in book[name][1]):
                assert not re.search(r"[a-z]{3,}", h.replace("KPI", "")), (name, h)


def test_the_workbook_holds_every_number_of_the_comparison(sample, tmp_path):
    book = openpyxl.load_workbook(write_report(sample, tmp_path)[1])
    n_paths, reps, years = len(sample["paths"]), sample["replications"], sample["horizon_years"] + 1
    stages_kpis = sum(len(s["kpis"]) for p in sample["paths"].values() for s in p["stages"])
    assert book["Summary"].max_row == 1 + n_paths
    assert book["KPIs per stage"].max_row == 1 + len(sample["baseline"]["kpis"]) + stages_kpis
    assert book["Cash flows"].max_row == 1 + n_paths * years * 17
    assert book["NPV samples"].max_row == 1 + n_paths * reps
    assert book["Tornado"].max_row == 1 + len(sample["tornado"])
    assert book["Assumptions"].max_row == 1 + len(sample["assumptions"])
    first = sample["paths"]["integration_first"]["npv_samples"][0]
    assert book["NPV samples"]["D2"].value == pytest.approx(first)
    sources = [c.value for c in book["Assumptions"]["F"][1:]]
    assert sources == [a["source"] for a in sample["assumptions"].values()]
    rate = next(r for r in book["Assumptions"].iter_rows(min_row=2) if r[0].value == "discount_rate")
    assert rate[2].value == 0.08 and rate[2].number_format == "0.0%"  # a number, shown as a percentage


def test_a_failing_workbook_leaves_the_old_report_as_it_was(sample, tmp_path, monkeypatch):
    write_report(sample, tmp_path, "en")
    before = _snapshot(tmp_path)

    def broken(result, lang):
        raise RuntimeError("the workbook writer broke")

    monkeypatch.setattr(excel, "workbook_bytes", broken)
    with pytest.raises(RuntimeError, match="broke"):
        write_report(sample_comparison(reps=5), tmp_path, "zh")
    assert _snapshot(tmp_path) == before


def test_a_disk_full_while_writing_the_workbook_leaves_the_old_report_and_no_temporary_file(
    sample, tmp_path, monkeypatch
):
    write_report(sample, tmp_path, "en")
    before = _snapshot(tmp_path)
    real_fsync, calls = os.fsync, []

    def full_on_the_second_file(fd):
        calls.append(fd)
        if len(calls) == 2:  # the page is on disk under its temporary name by now
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_fsync(fd)

    monkeypatch.setattr(files.os, "fsync", full_on_the_second_file)
    with pytest.raises(OutputError) as caught:
        write_report(sample_comparison(reps=5), tmp_path, "zh")
    message = str(caught.value)
    assert "\n" not in message and "report.xlsx" in message and "No space left on device" in message
    assert _snapshot(tmp_path) == before


def test_a_failing_rename_leaves_no_temporary_file(sample, tmp_path, monkeypatch):
    def refused(src, dst):
        raise OSError(errno.EACCES, os.strerror(errno.EACCES))

    monkeypatch.setattr(files.os, "replace", refused)
    with pytest.raises(OutputError, match="Permission denied"):
        write_report(sample, tmp_path / "new")
    assert list((tmp_path / "new").iterdir()) == []


def test_a_report_folder_that_is_a_file_is_refused_in_one_line(sample, tmp_path):
    target = tmp_path / "report"
    target.write_text("not a folder\n", encoding="utf-8")
    for call in (lambda: write_report(sample, target), lambda: twin.report.check_report_folder(target)):
        with pytest.raises(OutputError) as caught:
            call()
        assert str(caught.value) == f"{target} is a file, not a folder; the report needs a folder"
    assert target.read_text(encoding="utf-8") == "not a folder\n"


def test_a_report_folder_under_a_file_is_refused_in_one_line(sample, tmp_path):
    (tmp_path / "somefile").write_text("", encoding="utf-8")
    with pytest.raises(OutputError, match="somefile is a file, not a folder"):
        write_report(sample, tmp_path / "somefile" / "report")


def test_the_report_reads_the_comparison_and_never_the_simulation():
    imported = set()
    for source in Path(twin.report.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module)
            elif isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
    ours = {m for m in imported if m.split(".")[0] == "twin"}
    assert ours <= {
        "twin.report",
        "twin.report.labels",
        "twin.report.tables",
        "twin.report.figures",
        "twin.report.html",
        "twin.report.excel",
        "twin.run.files",
        "twin.kpi.definitions",
        "twin.spec.investment",
    }


def test_one_path_without_a_tornado_still_makes_a_whole_report(tmp_path):
    result = sample_comparison(reps=5)
    result["paths"] = {"quick_wins": result["paths"]["quick_wins"]}
    result["best_path"] = "quick_wins"
    result["selection"] |= {"separated": True, "unseparated": [], "statement": "quick_wins is the only path."}
    result["tornado"] = []
    page_file, book_file = write_report(result, tmp_path, "zh")
    page = page_file.read_text(encoding="utf-8")
    assert page.count("Plotly.newPlot(") == 3  # no tornado to draw
    assert "以95 %的置信度" in page  # the statement said in Chinese from the selection's fields
    assert openpyxl.load_workbook(book_file)["敏感性分析"].max_row == 1
