"""The dashboard's words in English and Chinese.

KPI, tier, investment, path, station and system names come from where Tier Twin keeps them (the KPI
definitions, the catalogue, the models, ``twin.report.labels``); this module holds only the
dashboard's own labels and the few names the library keeps in one language (elements, scenarios,
categories, machine states).
"""

from __future__ import annotations

import streamlit as st

from twin.report import labels as L
from twin.spec.information import SYSTEMS_ZH

LANGS = {"en": "English", "zh": "中文"}

WORDS: dict[str, tuple[str, str]] = {
    # app and navigation
    "app_title": ("Tier Twin · smart-factory upgrade planner", "Tier Twin · 智能工厂梯度升级规划"),
    "language": ("Language / 语言", "语言 / Language"),
    "page_plant": ("Plant", "工厂"),
    "page_assessment": ("Tier assessment", "梯度评估"),
    "page_planner": ("Upgrade planner", "升级规划"),
    "page_financials": ("Financials", "财务"),
    "page_compare": ("Compare paths", "路径对比"),
    "page_training": ("Training", "培训"),
    "plant": ("Plant", "工厂"),
    "plant_help": (
        "A shipped reference plant, a tier preset, or a YAML file you uploaded on the Plant page.",
        "内置参考工厂、梯度预设，或在“工厂”页上传的YAML文件。",
    ),
    "uploaded": ("uploaded", "上传"),
    "run_settings": ("Simulation settings", "仿真设置"),
    "days": ("Simulated days per run", "每次仿真天数"),
    "days_help": (
        "Longer runs give tighter intervals and take longer. `twin compare` uses 28.",
        "越长置信区间越窄、耗时越久。`twin compare` 默认28天。",
    ),
    "warmup_days": ("Warm-up days cut from each run", "每次仿真剔除的预热天数"),
    "reps": ("Replications", "重复次数"),
    "reps_help": (
        "Independent runs per plant state; intervals need at least 3.",
        "每个工厂状态的独立仿真次数；置信区间至少需要3次。",
    ),
    "seed": ("Random seed", "随机种子"),
    "jobs": ("Worker processes", "并行进程数"),
    "settings_note": (
        "Results are cached by model content, investments, finance, seed and replications: "
        "changing pages never re-runs a simulation.",
        "结果按模型内容、投资、财务假设、随机种子和重复次数缓存：切换页面不会重新仿真。",
    ),
    "bad_settings": ("Settings: {msg}", "设置有误：{msg}"),
    # common
    "kpi": ("KPI", "指标"),
    "unit": ("Unit", "单位"),
    "mean": ("Mean", "均值"),
    "ci95": ("95 % CI", "95%置信区间"),
    "baseline": ("Today (do nothing)", "现状（不投资）"),
    "year": ("Year", "年份"),
    "tier": ("Tier", "梯度"),
    "station": ("Station", "工序"),
    "investment": ("Investment", "投资项目"),
    "category": ("Category", "类别"),
    "scenario": ("Typical scenario", "典型场景"),
    "capex": ("Capex (CNY)", "投资（元）"),
    "opex": ("Opex (CNY/year)", "年运维费（元/年）"),
    "prerequisites": ("Prerequisites", "前置条件"),
    "fits": ("Fits this plant", "适用本工厂"),
    "share_pbt": ("Share of planned busy time (%)", "占计划忙碌时间比例（%）"),
    "minutes_into_shift": ("Minutes into the shift (min)", "班次内时间（分钟）"),
    "units": ("Units", "件数"),
    "simulating": ("Simulating: {what}", "仿真中：{what}"),
    "progress_states": ("simulating plant states", "仿真工厂状态"),
    "progress_capacity": ("capacity runs", "产能仿真"),
    "progress_more": ("more replications", "追加重复仿真"),
    "none": ("none", "无"),
    "warnings": ("Notes on the run", "运行提示"),
    "error_internal": (
        "Something went wrong inside Tier Twin (please report it): {msg}",
        "Tier Twin 内部出错（请报告）：{msg}",
    ),
    # plant page
    "plant_intro": (
        "Pick a plant in the sidebar or upload your own model. The twin simulates its machines, buffers, "
        "people, shifts, failures and information flows; every figure below comes from the simulation.",
        "在侧栏选择工厂，或上传自己的模型。数字孪生仿真其设备、缓冲、人员、班次、故障与信息流；以下数字均来自仿真。",
    ),
    "upload": ("Upload a plant model (YAML)", "上传工厂模型（YAML）"),
    "upload_ok": ("Loaded {name}: it is now the plant in the sidebar.", "已载入 {name}，侧栏已切换到该工厂。"),
    "upload_bad": (
        "{name} cannot be used; nothing was changed. Fix these lines and upload it again:",
        "{name} 无法使用，未做任何更改。请修正以下问题后重新上传：",
    ),
    "upload_warn": (
        "{name} loads, with notes (legal, but most likely a slip):",
        "{name} 已载入，但有提示（合法但可能有误）：",
    ),
    "tier_today": ("Tier met today", "当前达到梯度"),
    "next_tier": ("Next tier", "下一梯度"),
    "stations_machines": ("Stations / machines", "工序 / 设备"),
    "products": ("Products", "产品"),
    "ref_paths": ("Reference upgrade paths", "参考升级路径"),
    "ref_paths_note": (
        "Tier after each stage from the assessment of the planned plant; money and KPIs on the Compare paths page.",
        "各阶段后的梯度来自对规划后工厂的评估；资金与KPI见“路径对比”页。",
    ),
    "no_paths": ("No reference path is written for this plant.", "该工厂没有参考升级路径。"),
    "path": ("Path", "路径"),
    "stages": ("Stages (year: investments)", "阶段（年份：投资项目）"),
    "total_capex": ("Total capex (CNY)", "总投资（元）"),
    "tier_end": ("Tier at the end", "最终梯度"),
    "material_flow": ("Material flow: stations and routings", "物料流：工序与工艺路线"),
    "info_flow": ("Information flow: systems and interfaces by mode", "信息流：系统与接口（按传递方式着色）"),
    "baseline_kpis": ("Baseline KPIs with 95 % confidence intervals", "基线KPI及95%置信区间"),
    "time_model": ("ISO 22400 time model per station (bottleneck: {b})", "各工序ISO 22400时间模型（瓶颈：{b}）"),
    "bottleneck": ("bottleneck", "瓶颈"),
    "bottleneck_red": ("red: bottleneck", "红色：瓶颈"),
    "buffer_cap": ("buffer {n}", "缓冲 {n}"),
    "unlimited": ("unlimited", "不限"),
    "mode_manual": ("manual", "人工"),
    "mode_batch": ("batch", "批处理"),
    "mode_realtime": ("real-time", "实时"),
    "kpis_running": (
        "Simulating the baseline ({days:g} days × {reps} replications)…",
        "正在仿真基线（{days:g}天 × {reps}次）…",
    ),
    # assessment
    "assess_note": (
        "Indicative self-assessment from public descriptions of the element conditions: not the official "
        "MIIT evaluation. It reads what the model has (systems, interfaces, policies) and what it declares.",
        "依据公开的要素条件描述所做的参考性自评，并非工信部官方评价。评估读取模型具备的系统、接口、策略及其申报事项。",
    ),
    "scores_chart": ("Criteria met per element and tier (%)", "各要素各梯度达标比例（%）"),
    "criteria": ("Criteria", "评价条款"),
    "met": ("Met", "达标"),
    "now": ("Requirement (now)", "要求（现状）"),
    "threshold": ("Threshold", "阈值依据"),
    "gaps": ("Gap to {tier}", "距{tier}的差距"),
    "no_gap": ("No gap: the plant meets the top tier.", "无差距：该工厂已达到最高梯度。"),
    "closed_by": ("Closed by (each alone)", "可单独弥补的投资"),
    "together": ("Closed together by", "需组合弥补"),
    "declare_it": ("a fact to declare, not to buy", "需申报的事项，无法通过投资获得"),
    "cmp_assumptions": (
        "Money on the assumptions of the Financials page: ",
        "金额按财务页面的假设计算：",
    ),
    "no_closer": ("nothing in the catalogue closes it", "目录中无可弥补的投资"),
    "plan_gap": (
        "Still missing for {tier} after the last stage: {items}.",
        "最后一个阶段之后，距{tier}仍缺：{items}。",
    ),
    "criterion": ("Criterion", "条款"),
    "missing": ("What is missing", "欠缺"),
    "element": ("Element", "要素"),
    # planner
    "planner_intro": (
        "Build a plan: pick investments for each stage and its year, or start from a reference path. "
        "Prerequisites, years and the budget are checked before anything runs.",
        "制定方案：为每个阶段选择年份和投资项目，或从参考路径开始。运行前检查前置条件、年份和预算。",
    ),
    "catalogue": ("Investment catalogue for this plant", "本工厂适用的投资目录"),
    "start_from": ("Start from a reference path", "从参考路径开始"),
    "load_path": ("Load path", "载入路径"),
    "clear_plan": ("Clear plan", "清空方案"),
    "stage_n": ("Stage {n}", "第{n}阶段"),
    "stage_year": ("Year of stage {n}", "第{n}阶段年份"),
    "stage_invs": ("Investments in stage {n}", "第{n}阶段投资项目"),
    "add_stage": ("Add a stage", "增加阶段"),
    "budget": ("Capex budget per stage (CNY, 0 = none)", "每阶段投资预算（元，0 = 不限）"),
    "plan_problems": ("The plan cannot run yet:", "方案暂不能运行："),
    "over_budget": (
        "stage {n} (year {y}): capex {capex} CNY is over the budget of {budget} CNY",
        "第{n}阶段（第{y}年）：投资 {capex} 元超出预算 {budget} 元",
    ),
    "empty_plan": ("Pick at least one investment.", "请至少选择一项投资。"),
    "run_plan": ("Run the plan", "运行方案"),
    "plan_name": ("My plan", "我的方案"),
    "plan_kpis": ("KPIs after each stage against today", "各阶段后KPI与现状对比"),
    "plan_capex": ("Plan capex (CNY)", "方案总投资（元）"),
    "tier_timeline": ("Tier timeline", "梯度时间线"),
    "plan_stale": (
        "The plan changed since the last run: run it again to update.",
        "方案已修改，请重新运行以更新结果。",
    ),
    "npv_mean": ("NPV mean (CNY)", "净现值均值（元）"),
    "p_npv": ("P(NPV > 0)", "净现值为正概率"),
    "irr": ("IRR", "内部收益率"),
    "payback": ("Discounted payback (years)", "折现回收期（年）"),
    "money_link": ("Edit the finance assumptions on the Financials page.", "在“财务”页修改财务假设。"),
    "delta": ("Change vs today [95 % CI]", "相对现状变化 [95%置信区间]"),
    "not_fit_why": ("Does not fit: {why}", "不适用：{why}"),
    # financials
    "fin_intro": (
        "The money of one path: change an assumption and NPV, IRR and payback follow at once (the simulations "
        "are kept; only a new demand growth simulates the extra demand levels it needs).",
        "单一路径的资金测算：修改假设后净现值、内部收益率和回收期立即更新（仿真结果已缓存；仅新的需求增长率需补充仿真）。",
    ),
    "fin_path": ("Path to value", "测算路径"),
    "assumptions": ("Finance assumptions", "财务假设"),
    "horizon": ("Horizon (years)", "评价期（年）"),
    "awards": ("Awards on reaching a tier (CNY)", "达到梯度的奖补（元）"),
    "amount": ("Amount (CNY)", "金额（元）"),
    "cash_table": (
        "Yearly cash flows against doing nothing (CNY; + money in, − money out: a cost saved is money in)",
        "相对不投资的逐年增量现金流（元；+ 流入，− 流出：节省的成本计为流入）",
    ),
    "line": ("Line", "项目"),
    "awards_npv": ("NPV of awards (CNY)", "奖补净现值（元）"),
    "with_tornado": (
        "Sensitivity (tornado) over the finance assumptions' ranges",
        "敏感性分析（龙卷风图）：各财务假设取其上下限",
    ),
    "run_fin": ("Value the path", "测算"),
    "fin_need_run": ("Press the button to value the path with these assumptions.", "点击按钮，按以上假设测算该路径。"),
    "source": ("Source", "来源"),
    "declared": (
        "Declared after this stage (from the reference path; a CMMM level is assessed, not bought): {what}",
        "本阶段后申报（来自参考路径；CMMM等级需评估，不能购买）：{what}",
    ),
    "cost_factor": ("Investment cost factor (× catalogue cost)", "投资成本系数（× 目录价格）"),
    "bad_finance": ("These assumptions cannot be used:", "以下假设无法使用："),
    # compare
    "cmp_intro": (
        "The reference paths (and your plan, if you built one) side by side, each valued against doing nothing "
        "with common random numbers.",
        "参考路径（以及您制定的方案）并列对比，均以共同随机数相对不投资进行评价。",
    ),
    "include_plan": ("Include my plan", "包含我的方案"),
    "run_compare": ("Compare the paths", "对比路径"),
    "cmp_need_run": (
        "Comparing all paths simulates every plant state they pass through (about a minute at the defaults).",
        "对比所有路径需仿真其经过的每个工厂状态（默认设置约需一分钟）。",
    ),
    "best": ("Best path", "最优路径"),
    "tier_when": ("Tier reached (year)", "达到梯度（年份）"),
    "final_kpis": ("KPIs after the last stage", "末阶段后的KPI"),
    "download_html": ("Download the HTML report", "下载HTML报告"),
    "download_xlsx": ("Download the Excel workbook", "下载Excel工作簿"),
    "kpi_pick": ("KPI", "指标"),
    # training
    "train_intro": (
        "The same plant at each tier, run with the same orders and the same random numbers: what changes is "
        "only what the investments change. Step through one shift to see why.",
        "同一工厂在各梯度下以相同订单、相同随机数运行：差别只来自投资改变的机制。逐步回放一个班次，看清原因。",
    ),
    "side_by_side": ("The four tiers side by side", "四个梯度并列对比"),
    "preset_short": (
        "* By the rubric the {preset} preset meets {met}; it lacks: {missing} (the Assessment page says what would "
        "close it). Its column shows what its investments do all the same.",
        "* 按评价规则，{preset}预设达到{met}；尚缺：{missing}（评估页面说明可如何弥补）。"
        "该列仍显示这些投资的实际效果。",
    ),
    "no_presets": (
        "No tier presets are built on {plant}; pick precision_machining to see all four tiers.",
        "没有基于 {plant} 的梯度预设；请选择 precision_machining 查看全部四个梯度。",
    ),
    "shift_pick": ("Shift to replay", "回放班次"),
    "day_pick": ("Day", "日期"),
    "record": ("Replay the shift", "回放班次"),
    "floor_title": ("The floor at each tier, minute by minute", "各梯度车间现场（逐分钟）"),
    "queue_title": ("Units waiting at each station (units)", "各工序排队件数（件）"),
    "waiting_title": (
        "Orders waiting before the floor and breakdowns not yet reported",
        "未下达车间的订单与未报告的故障",
    ),
    "in_transit": ("orders on their way to the floor (units)", "在途订单（件）"),
    "held": ("orders held by release control (units)", "投放控制暂存订单（件）"),
    "unreported": ("breakdowns not yet reported (machines)", "未报告的故障（台）"),
    "wip": ("units on the floor", "在制品（件）"),
    "short_waiting": ("orders waiting", "待下达"),
    "short_wip": ("on floor", "在制"),
    "short_unreported": ("unreported breakdowns", "未报告故障"),
    "finished": ("finished in the shift", "本班完工"),
    "gantt_title": ("Machine states through the shift", "班次内各设备状态"),
    "why_title": ("What changes at each tier", "各梯度改变了什么"),
    "weekday": (
        ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
        ("周一", "周二", "周三", "周四", "周五", "周六", "周日"),
    ),
    "week2": ("(week 2, after the start-up)", "（第2周，已过启动期）"),
}

STATES = {
    "producing": ("producing", "生产"),
    "setup": ("setup", "换型"),
    "down": ("down, reported", "故障（已报告）"),
    "down_unreported": ("down, not yet reported", "故障（未被发现）"),
    "blocked": ("blocked", "堵塞"),
    "starved": ("starved (no work)", "待料（无活）"),
    "waiting_operator": ("waiting for operator", "等待人员"),
    "planned_down": ("planned stop / break", "计划停机/休息"),
    "off_shift": ("off shift", "非班次"),
    "maintenance": ("maintenance stop", "维护停机"),
}
STATE_COLOURS = {
    "producing": "#2ca02c",
    "setup": "#f2c14e",
    "down": "#d62728",
    "down_unreported": "#7b0d0d",
    "blocked": "#9467bd",
    "starved": "#c7c7c7",
    "waiting_operator": "#ff7f0e",
    "planned_down": "#8fb3d9",
    "off_shift": "#4d4d4d",
    "maintenance": "#17becf",
}
"""One colour per machine state, used by every chart that shows states."""

CATEGORIES = {
    "equipment": ("Equipment", "智能装备"),
    "industrial_software": ("Industrial software", "工业软件"),
    "integration": ("Integration", "集成互联"),
    "data_ai": ("Data and AI", "数据与人工智能"),
    "people": ("People and methods", "人员与方法"),
}
ELEMENTS = {
    "基本要求": "Basic requirements",
    "工厂建设": "Factory construction",
    "生产作业": "Production operations",
    "生产管理": "Production management",
    "运营管理": "Operations management",
}
SCENARIOS_EN = {
    "工厂数字化规划设计": "Digital factory planning",
    "数字基础设施建设": "Digital infrastructure",
    "数字孪生工厂构建": "Digital twin factory",
    "产品数字化设计": "Digital product design",
    "产品虚拟验证": "Virtual product validation",
    "工艺数字化设计": "Digital process design",
    "制造工程优化": "Manufacturing engineering",
    "生产计划优化": "Production planning",
    "车间智能排产": "Shop-floor scheduling",
    "生产进度跟踪": "Production tracking",
    "生产动态调度": "Dynamic dispatching",
    "仓储智能管理": "Smart warehousing",
    "物料精准配送": "Precise material delivery",
    "危险作业自动化": "Hazardous-work automation",
    "安全一体化管控": "Integrated safety control",
    "能源智能管控": "Energy management",
    "碳资产全生命周期管理": "Carbon asset management",
    "污染在线管理": "Online pollution control",
    "网络协同制造": "Networked collaborative manufacturing",
    "柔性产线快速换产": "Quick changeover",
    "工艺动态优化": "Dynamic process optimisation",
    "先进过程控制": "Advanced process control",
    "人机协同作业": "Human-robot collaboration",
    "在线智能检测": "Inline smart inspection",
    "质量精准追溯": "Quality traceability",
    "质量分析与改进": "Quality analysis and improvement",
    "设备运行监控": "Equipment monitoring",
    "设备故障诊断与预测": "Fault diagnosis and prediction",
    "设备维修维护": "Equipment maintenance",
    "智能经营决策": "Business decisions",
    "数智精益管理": "Digital lean management",
    "规模化定制": "Mass customisation",
    "产品精准营销": "Precision marketing",
    "远程运维服务": "Remote O&M services",
    "产品增值服务": "Value-added services",
    "客户主动服务": "Proactive customer service",
    "供应链数字化管理": "Digital supply chain",
    "采购计划优化协同": "Procurement planning",
    "供应链风险预警与调度": "Supply-chain risk alerts",
    "供应链物流智能配送": "Supply-chain logistics",
}


def lang() -> str:
    """The language chosen in the sidebar (English until one is chosen)."""
    return st.session_state.get("lang", "en")


def t(key: str, **values: object) -> str:
    en, zh = WORDS[key]
    text = zh if lang() == "zh" else en
    return text.format(**values) if values else text


def words(key: str) -> tuple[str, ...]:
    en, zh = WORDS[key]
    return zh if lang() == "zh" else en


def pick(en: str | None, zh: str | None, fallback: str = "") -> str:
    """The name in the chosen language, else the other one, else ``fallback``."""
    first, second = (zh, en) if lang() == "zh" else (en, zh)
    return first or second or fallback


def tier(name: str | None) -> str:
    return L.tier_name(name, lang())


def kpi(name: str) -> str:
    return L.kpi_label(name, lang())


def unit(name: str) -> str:
    return L.unit_label(name, lang())


def state(name: str) -> str:
    en, zh = STATES[name]
    return zh if lang() == "zh" else en


def category(name: str) -> str:
    en, zh = CATEGORIES.get(name, (name, name))
    return zh if lang() == "zh" else en


def element(name: str) -> str:
    return name if lang() == "zh" else ELEMENTS.get(name, name)


def scenario(name: str) -> str:
    return name if lang() == "zh" else SCENARIOS_EN.get(name, name)


def system(name: str) -> str:
    return f"{name} {SYSTEMS_ZH[name]}" if lang() == "zh" and name in SYSTEMS_ZH else name


def station(plant, name: str) -> str:
    """A station's display name in the chosen language."""
    for s in plant.stations:
        if s.name == name:
            return pick(s.name_en or s.name, s.name_zh, s.name)
    return name


def investment(inv) -> str:
    return pick(inv.name_en, inv.name_zh, inv.id)
