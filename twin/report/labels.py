"""The report's words in English and Chinese, and how its numbers are written.

KPI and tier names come from where the rest of Tier Twin keeps them (``twin.kpi.definitions``,
``twin.spec.investment``); this module holds only the report's own headings, axes and columns.
"""

from __future__ import annotations

import math

from twin.kpi.definitions import PLANT_KPIS
from twin.spec.investment import TIER_ZH

LANGS = ("en", "zh")

WORDS: dict[str, tuple[str, str]] = {
    # title and run
    "title": ("Upgrade paths compared", "升级路径比较"),
    "model": ("Model", "模型"),
    "seed": ("seed", "随机种子"),
    "replications": ("replications", "重复次数"),
    "days": ("simulated days per run", "每次仿真天数"),
    "warmup": ("warm-up (min)", "预热期（分钟）"),
    "horizon": ("horizon (years)", "评价期（年）"),
    "baseline_tier": ("tier today (do nothing)", "当前梯度（不投资）"),
    "intro": (
        "Every figure is incremental to doing nothing under the same demand, a mean over replications "
        "with its 95 % confidence interval in brackets.",
        "所有数字均为相对于同等需求下不投资基线的增量，取各次重复的均值，方括号内为95%置信区间。",
    ),
    "contents": ("Contents", "目录"),
    # sections
    "sec_best": ("Best path", "最优路径"),
    "sec_summary": ("Paths at a glance", "路径概览"),
    "sec_kpis": ("KPIs after each stage", "各阶段后的关键绩效指标"),
    "sec_tiers": ("Tier timeline", "梯度时间线"),
    "sec_cash": ("Cash flows", "现金流"),
    "sec_npv": ("NPV distributions", "净现值分布"),
    "sec_tornado": ("Sensitivity of the best path's NPV", "最优路径净现值敏感性"),
    "sec_assumptions": ("Assumptions and sources", "假设与来源"),
    "kpi_note": (
        "Lines: mean after each stage; band: 95 % confidence interval; dashed: doing nothing.",
        "折线：各阶段后的均值；阴影：95%置信区间；虚线：不投资基线。",
    ),
    "kpi_table": ("KPIs per stage, with the paired difference to doing nothing", "各阶段KPI及与不投资基线的配对差值"),
    "cash_table": (
        "Yearly cash-flow lines against doing nothing (CNY; + money in, − money out: a cost saved is money in)",
        "相对不投资的逐年现金流明细（元；+ 流入，− 流出：节省的成本计为流入）",
    ),
    "cash_note": (
        "Bars: net cash flow after tax per year; line: cumulative discounted cash flow; "
        "diamond: where it turns positive for good (payback of the mean flows).",
        "柱：每年税后净现金流；折线：累计折现现金流；菱形：累计折现现金流转正之点（均值现金流的回收期）。",
    ),
    "npv_note": (
        "One point per replication; the box spans the middle half, its solid line is the median, its dotted line "
        "the mean; dashed: zero.",
        "每个点为一次重复；箱体为中间50%，箱内实线为中位数、点线为均值；虚线为零。",
    ),
    "tornado_note": (
        "Each bar: expected NPV when one assumption moves to its low or high value, the others held.",
        "每条柱：单一假设取低值或高值、其余不变时的期望净现值。",
    ),
    # selection
    "best_is": ("The best path by expected NPV is", "按期望净现值，最优路径为"),
    "confidence": ("confidence", "置信度"),
    "indifference": ("indifference zone δ (CNY)", "无差异区间 δ（元）"),
    "separated": ("separated from the others", "与其他路径已区分"),
    "unseparated": ("not separated from", "未能区分的路径"),
    "yes": ("yes", "是"),
    "no": ("no", "否"),
    "none": ("none", "无"),
    # summary columns
    "path": ("Path", "路径"),
    "path_id": ("Path id", "路径代码"),
    "description": ("Description", "说明"),
    "tier_reached": ("Tier reached by year", "逐年达到的梯度"),
    "tier_end": ("Tier at the end", "最终梯度"),
    "capex_total": ("Total capex (CNY)", "总投资（元）"),
    "npv": ("NPV (CNY)", "净现值（元）"),
    "npv_mean": ("NPV mean (CNY)", "净现值均值（元）"),
    "p_npv_pos": ("P(NPV > 0)", "净现值为正概率"),
    "irr": ("IRR", "内部收益率"),
    "irr_mean": ("IRR mean", "内部收益率均值"),
    "payback": ("Discounted payback (years)", "动态回收期（年）"),
    "payback_mean": ("Discounted payback mean (years)", "动态回收期均值（年）"),
    "irr_expected": ("IRR of the mean cash flows", "内部收益率（平均现金流）"),
    "payback_expected": ("Discounted payback of the mean cash flows (years)", "动态回收期（平均现金流，年）"),
    "ci_lo": ("95 % CI low", "95%置信下限"),
    "ci_hi": ("95 % CI high", "95%置信上限"),
    "p5": ("5th percentile", "5%分位数"),
    "p95": ("95th percentile", "95%分位数"),
    "n_undefined": ("replications where undefined", "无定义的重复次数"),
    "not_in_horizon": ("not within horizon", "评价期内未回收"),
    "undefined_in": ("undefined in {k} of {n}", "{n}次中{k}次无定义"),
    "beyond_in": ("beyond the horizon in {k} of {n}", "{n}次中{k}次超出评价期"),
    "year": ("Year", "年份"),
    "year_n": ("year {y}", "第{y}年"),
    "years_unit": ("years", "年"),
    "stage": ("Stage", "阶段"),
    "stage_year": ("Year of the stage", "阶段所在年份"),
    "investments": ("Investments", "投资项目"),
    "capex": ("Capex (CNY)", "投资额（元）"),
    "tier": ("Tier", "梯度"),
    "kpi": ("KPI", "指标"),
    "kpi_id": ("KPI id", "指标代码"),
    "unit": ("Unit", "单位"),
    "mean": ("Mean", "均值"),
    "expected": ("Of the mean cash flows", "按平均现金流"),
    "delta": ("Δ vs doing nothing", "与基线差值"),
    "delta_mean": ("Δ mean", "差值均值"),
    "delta_lo": ("Δ 95 % CI low", "差值95%置信下限"),
    "delta_hi": ("Δ 95 % CI high", "差值95%置信上限"),
    "baseline": ("Doing nothing", "不投资基线"),
    "points": ("pp", "个百分点"),
    "line": ("Line", "科目"),
    "line_id": ("Line id", "科目代码"),
    "value_cny": ("Value (CNY)", "金额（元）"),
    "cash_effect_cny": ("Cash effect (CNY; + in, − out)", "现金影响（元；+ 流入，− 流出）"),
    "replication": ("Replication", "重复序号"),
    "assumption": ("Assumption", "假设"),
    "assumption_id": ("Assumption id", "假设代码"),
    "value": ("Value", "取值"),
    "low": ("Low", "低值"),
    "high": ("High", "高值"),
    "npv_low": ("NPV at low (CNY)", "取低值时净现值（元）"),
    "npv_high": ("NPV at high (CNY)", "取高值时净现值（元）"),
    "swing": ("Swing (CNY)", "变动幅度（元）"),
    "source": ("Source", "来源"),
    "item": ("Item", "项目"),
    "statement": ("Statement", "结论"),
    "tornado_cost": ("its cost (× catalogue price)", "投资成本（×目录价格）"),
    "tornado_effect": ("its effect (5th – 95th percentile)", "效果（5%–95%分位）"),
    "none_pays": (
        "No path's expected NPV is positive: on these assumptions doing nothing is worth more than any of them, "
        "and the best path is only the one that loses least.",
        "所有路径的期望净现值均为负：在这些假设下，不投资优于任何路径，最优路径只是损失最小者。",
    ),
    "best_path": ("Best path", "最优路径"),
    "replications_used": ("Replications used by the selection", "选择程序所用重复次数"),
    # charts
    "ch_kpis": ("KPIs after each stage (mean and 95 % CI)", "各阶段后的KPI（均值与95%置信区间）"),
    "ch_cash": ("Cash flow incremental to doing nothing (CNY)", "相对不投资的增量现金流（元）"),
    "ch_net": ("Net cash flow", "净现金流"),
    "ch_cum": ("Cumulative discounted", "累计折现"),
    "ch_payback": ("Payback {y:.1f} years", "回收期 {y:.1f} 年"),
    "ch_npv": ("NPV over replications (CNY)", "各次重复的净现值（元）"),
    "ch_tornado": ("Expected NPV of {path} when one assumption moves (CNY)", "单一假设变动时{path}的期望净现值（元）"),
    "ch_at_low": ("Assumption at its low value", "假设取低值"),
    "ch_at_high": ("Assumption at its high value", "假设取高值"),
    "ch_base_npv": ("base NPV {v}", "基准净现值 {v}"),
    # workbook sheets
    "sh_summary": ("Summary", "汇总"),
    "sh_kpis": ("KPIs per stage", "各阶段KPI"),
    "sh_tiers": ("Tier timeline", "梯度时间线"),
    "sh_cash": ("Cash flows", "现金流"),
    "sh_npv": ("NPV samples", "净现值样本"),
    "sh_tornado": ("Tornado", "敏感性分析"),
    "sh_assumptions": ("Assumptions", "假设"),
    "sh_selection": ("Selection", "路径选择"),
}

TIER_EN = {
    "below_basic": "Below basic",
    "basic": "Basic",
    "advanced": "Advanced",
    "excellent": "Excellent",
    "leading": "Leading",
}

CASH_LINES: dict[str, tuple[str, str]] = {
    "revenue": ("Revenue", "销售收入"),
    "material": ("Material", "材料"),
    "direct_labour": ("Direct labour", "直接人工"),
    "indirect_labour": ("Indirect labour", "间接人工"),
    "energy": ("Energy", "能源"),
    "maintenance": ("Maintenance", "维修"),
    "overhead": ("Overhead", "制造费用"),
    "escapes": ("Customer claims on escapes", "客户索赔与围堵"),
    "inventory_carrying": ("Inventory carrying", "库存持有成本"),
    "installation_loss": ("Margin lost while installing", "安装停机损失"),
    "opex": ("Investments' opex", "投资运维费用"),
    "operating": ("Operating result before tax", "税前经营结果"),
    "capex": ("Capex", "资本支出"),
    "residual_value": ("Residual value", "残值"),
    "depreciation": ("Depreciation (for tax, not cash)", "折旧（计税用，非现金）"),
    "tax": ("Tax", "所得税"),
    "awards_after_tax": ("Awards after tax", "税后奖补"),
    "net": ("Net cash flow", "净现金流"),
    "cumulative_discounted": ("Cumulative discounted", "累计折现现金流"),
}

CASH_OUT = frozenset(
    {"material", "direct_labour", "indirect_labour", "energy", "maintenance", "overhead", "escapes",
     "inventory_carrying", "installation_loss", "opex", "capex", "tax"}
)  # fmt: skip
"""Lines the comparison keeps as amounts spent (a cost line > 0 is more cost than doing nothing)."""


def cash_effect(line: str, value: float | None) -> float | None:
    """A cash-flow line as what it does to cash against doing nothing: + money in, − money out (a cost
    saved is money in). Depreciation is not cash and stays as the tax books have it."""
    if value is None or line not in CASH_OUT:
        return value
    return -value + 0.0  # + 0.0: a zero saving reads 0, not -0


ASSUMPTIONS: dict[str, tuple[str, str]] = {
    "horizon_years": ("Horizon (years)", "评价期（年）"),
    "discount_rate": ("Discount rate", "折现率"),
    "income_tax_rate": ("Income tax rate", "企业所得税率"),
    "demand_growth": ("Demand growth per year", "需求年增长率"),
    "price_erosion": ("Price erosion per year", "年降价幅度"),
    "wage_escalation": ("Wage escalation per year", "工资年涨幅"),
    "energy_price_escalation": ("Energy price escalation per year", "能源价格年涨幅"),
    "inventory_carrying_rate": ("Inventory carrying rate per year", "库存持有成本率"),
    "price": ("Selling price", "销售价格"),
    "selling_price": ("Selling price", "销售价格"),
    "investment_cost_factor": ("Investment cost factor (× catalogue price)", "投资成本系数（×目录价格）"),
}
RATE_ASSUMPTIONS = frozenset(k for k in ASSUMPTIONS if k.endswith(("_rate", "_growth", "_erosion", "_escalation")))
"""Assumptions that are fractions per year, written as percentages."""

UNITS_ZH = {
    "units/h": "件/小时",
    "min": "分钟",
    "h": "小时",
    "units": "件",
    "CNY": "元",
    "CNY/unit": "元/件",
    "CNY/week": "元/周",
    "h/week": "小时/周",
    "kWh/unit": "kWh/件",
    "kgCO2/unit": "kgCO2/件",
    "units/operator-h": "件/人·小时",
}

DISPLAY: dict[str, tuple[float, str]] = {"ratio": (100.0, "%"), "min": (1 / 60, "h")}
"""How a KPI unit is shown on the page: ratios as percentages, minutes as hours (2,600 min reads as 43 h)."""


def check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise ValueError(f"report language: found {lang!r}; expected one of {', '.join(LANGS)}")
    return lang


def word(key: str, lang: str) -> str:
    en, zh = WORDS[key]
    return zh if lang == "zh" else en


def tier_name(tier: str | None, lang: str) -> str:
    if tier is None:
        return "—"
    if lang == "zh":
        return TIER_ZH.get(tier, tier)
    return TIER_EN.get(tier, tier)


def kpi_label(kpi: str, lang: str) -> str:
    info = PLANT_KPIS.get(kpi)
    if info is None:
        return kpi
    return (info.zh if lang == "zh" else info.en).strip()


def unit_label(unit: str, lang: str) -> str:
    """A unit as written in the chosen language; ``ratio`` is written as ``%`` (values are shown ×100)."""
    if unit == "ratio":
        return "%"
    return UNITS_ZH.get(unit, unit) if lang == "zh" else unit


def line_label(line: str, lang: str) -> str:
    en, zh = CASH_LINES.get(line, (line, line))
    return zh if lang == "zh" else en


def assumption_label(name: str, lang: str) -> str:
    en, zh = ASSUMPTIONS.get(name, (name, name))
    return zh if lang == "zh" else en


def tornado_label(row: dict, lang: str) -> str:
    """A tornado row's name: the assumption's, or for one investment's cost or effect its name and which."""
    if "investment" not in row:
        return assumption_label(row["assumption"], lang)
    name = (row.get("name_zh") if lang == "zh" else row.get("name_en")) or row["investment"]
    which = "tornado_cost" if row["assumption"].startswith("cost:") else "tornado_effect"
    return f"{name}: {word(which, lang)}"


def path_label(key: str, path: dict, lang: str) -> str:
    name = path.get("name_zh") if lang == "zh" else path.get("name_en")
    return name or key


# --- numbers ---------------------------------------------------------------------------------------


def _missing(x: float | None) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def cny(x: float | None) -> str:
    """Yuan with thousands separators, no decimals: 1,234,567."""
    return "—" if _missing(x) else f"{round(x):,}"  # round() first: -0.4 reads 0, not -0


def pct(x: float | None, digits: int = 1) -> str:
    """A fraction as a percentage: 0.123 → 12.3 %."""
    return "—" if _missing(x) else f"{100 * x:.{digits}f} %"


def payback(est: dict, lang: str, horizon: int | None = None) -> str:
    """A path's discounted payback of its mean cash flows in years (the point on the cash-flow chart), or
    "not within horizon" (``> horizon`` when the horizon is given, for a narrow cell)."""
    years = est.get("expected")
    if years is not None:
        return f"{years:.1f}"
    return f"> {horizon}" if horizon is not None else word("not_in_horizon", lang)


def num(x: float | None) -> str:
    """A plain figure: four significant digits, or whole with thousands separators from 1,000 on."""
    if _missing(x):
        return "—"
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.4g}"


def with_ci(mean: float | None, ci: list | tuple | None, fmt) -> str:
    """``mean [lo, hi]`` in the given format; the interval is left out when it is unknown."""
    if _missing(mean):
        return "—"
    lo, hi = ci if ci else (None, None)
    if _missing(lo) or _missing(hi):
        return fmt(mean)
    return f"{fmt(mean)} [{fmt(lo)}, {fmt(hi)}]"


def estimate(mean: float | None, ci: list | tuple | None, scale: float = 1.0, signed: bool = False) -> str:
    """A KPI estimate ``mean [lo, hi]`` (× ``scale``), all to three significant digits of the largest of them."""
    lo, hi = ci if ci else (None, None)
    values = [None if _missing(v) else v * scale for v in (mean, lo, hi)]
    if values[0] is None:
        return "—"
    ref = max(abs(v) for v in values if v is not None)
    decimals = max(0, 2 - math.floor(math.log10(ref))) if ref else 0
    text = [f"{v:{'+' if signed else ''},.{decimals}f}" for v in values if v is not None]
    return text[0] if len(text) < 3 else f"{text[0]} [{text[1]}, {text[2]}]"


def assumption_value(name: str, x: float | None) -> str:
    return pct(x) if name in RATE_ASSUMPTIONS else num(x)


def selection_statement(result: dict, lang: str) -> str:
    """The selection statement in plain words, with the paths' display names, and a warning when no path's
    expected NPV is positive (the best of them is then only the least bad)."""
    text = _separation(result, lang)
    if none_pays(result):
        text += " " + word("none_pays", lang)
    return text


def none_pays(result: dict) -> bool:
    """Whether every path's expected NPV is below zero: doing nothing is worth more than any of them."""
    means = [p["npv_cny"].get("mean") for p in result["paths"].values()]
    return bool(means) and all(m is not None and m < 0 for m in means)


def _separation(result: dict, lang: str) -> str:
    sel = result.get("selection") or {}
    paths = result["paths"]
    best = result.get("best_path")
    name = path_label(best, paths[best], lang) if best in paths else str(best)
    delta = cny(sel.get("delta_cny"))
    others = [path_label(k, paths[k], lang) if k in paths else k for k in sel.get("unseparated") or []]
    conf = pct(sel.get("confidence"), 0)
    reps = sel.get("replications", result.get("replications"))
    if lang == "zh":
        if others:
            return (
                f"在{reps}次重复的预算内，未能将“{name}”与“{'、'.join(others)}”区分开："
                f"它们的期望净现值之差可能小于 δ = {delta} 元。"
            )
        return f"以{conf}的置信度，“{name}”的期望净现值与最优路径相差不超过 δ = {delta} 元（共{reps}次重复）。"
    if others:
        return (
            f"Within a budget of {reps} replications, {name} could not be separated from {', '.join(others)}: "
            f"their expected NPVs may differ by less than δ = {delta} CNY."
        )
    return (
        f"With {conf} confidence, {name} is within δ = {delta} CNY of the best path's expected NPV "
        f"({reps} replications)."
    )
