"""Names, units and bilingual labels of every KPI Tier Twin reports."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class KpiInfo:
    unit: str
    en: str
    zh: str
    higher_is_better: bool
    definition: str


PLANT_KPIS: dict[str, KpiInfo] = {
    "oee": KpiInfo(
        "ratio",
        "OEE",
        "设备综合效率",
        True,
        "availability × effectiveness × quality ratio (ISO 22400-2), all stations' times summed",
    ),
    "oee_loaded": KpiInfo(
        "ratio",
        "OEE on loaded time",
        "负荷时间OEE",
        True,
        "OEE with starved time (no unit to work on) left out of planned busy time: APT / (PBT − starved) × E × Q; "
        "a demand-capped plant's idle time does not hide what an investment does to the time it has work",
    ),
    "availability": KpiInfo(
        "ratio",
        "Availability",
        "可用率",
        True,
        "APT / PBT: producing time over planned busy time; setup, breakdowns and maintenance stops are losses",
    ),
    "effectiveness": KpiInfo(
        "ratio", "Effectiveness", "性能效率", True, "Σ(planned run time per unit × produced) / APT"
    ),
    "quality_ratio": KpiInfo(
        "ratio", "Quality ratio", "质量合格率", True, "good quantity / produced quantity, over all operations"
    ),
    "nee": KpiInfo("ratio", "NEE", "净设备效率", True, "(APT + setup) / PBT × effectiveness × quality ratio"),
    "teep": KpiInfo("ratio", "TEEP", "完全有效生产率", True, "OEE × PBT / calendar time"),
    "throughput_per_h": KpiInfo(
        "units/h",
        "Throughput",
        "产出率",
        True,
        "good finished units per calendar hour (escapes included: they ship as good)",
    ),
    "lead_time_min": KpiInfo(
        "min", "Lead time (mean)", "平均交付周期", False, "order arrival to completion, per good unit"
    ),
    "lead_time_p95_min": KpiInfo("min", "Lead time (p95)", "交付周期95分位", False, "95th percentile of lead time"),
    "flow_time_min": KpiInfo("min", "Flow time", "在制时间", False, "release to exit (finished or scrapped)"),
    "wip": KpiInfo("units", "WIP", "在制品", False, "time-average of units released and not yet out"),
    "wip_value_cny": KpiInfo(
        "CNY",
        "WIP value",
        "在制品价值",
        False,
        "time-average of units in process × their accumulated cost: material + planned minutes of the steps "
        "passed × conversion cost per planned minute",
    ),
    "on_time_rate": KpiInfo(
        "ratio", "On-time delivery", "准时交付率", True, "finished units completed by their due date"
    ),
    "tardiness_min": KpiInfo(
        "min",
        "Tardiness (mean)",
        "平均拖期",
        False,
        "minutes past the due date per finished unit (0 for a unit on time), what late-delivery penalties charge",
    ),
    "first_pass_yield": KpiInfo(
        "ratio", "First-pass yield", "一次合格率", True, "units good without rework / units out"
    ),
    "scrap_rate": KpiInfo("ratio", "Scrap rate", "报废率", False, "scrapped units / units out"),
    "scrap_value_cny_per_week": KpiInfo(
        "CNY/week",
        "Scrap value",
        "报废损失",
        False,
        "scrapped units at their accumulated cost (material + value added so far), per calendar week",
    ),
    "rework_h_per_week": KpiInfo(
        "h/week", "Rework hours", "返工工时", False, "planned run time of the operations redone, per calendar week"
    ),
    "escape_ppm": KpiInfo(
        "ppm",
        "Escapes to customers",
        "客户流出不良",
        False,
        "units shipped with a latent defect no inspection caught, per million units shipped (customer PPM); "
        "not reported for a model whose stations make no latent defects (quality.defects)",
    ),
    "energy_kwh_per_unit": KpiInfo(
        "kWh/unit",
        "Energy per unit",
        "单位产品能耗",
        False,
        "electricity of all machine states and the plant's base load (compressed air, HVAC, lighting) / good units",
    ),
    "carbon_kg_per_unit": KpiInfo(
        "kgCO2/unit",
        "Carbon per unit",
        "单位产品碳排放",
        False,
        "energy per unit × the grid emission factor (energy.grid_emission; scope 2 electricity only)",
    ),
    "labour_productivity": KpiInfo(
        "units/operator-h", "Labour productivity", "劳动生产率", True, "good units per paid operator-hour"
    ),
    "overtime_share": KpiInfo(
        "ratio",
        "Overtime share",
        "加班工时占比",
        False,
        "overtime operator-hours / all paid operator-hours: weekend shifts the planner called because orders "
        "were late (policies.overtime); paid at the premium on top",
    ),
    "unit_cost_cny": KpiInfo(
        "CNY/unit",
        "Unit manufacturing cost",
        "单位制造成本",
        False,
        "full running cost per good unit: material + direct and indirect labour (every paid hour) + energy + "
        "maintenance labour and spares + overhead + customer claims on escapes; the sum of the seven rows "
        "below. Investments' depreciation and opex are not in it",
    ),
    "cost_material_cny": KpiInfo(
        "CNY/unit", "  material", "材料", False, "material of the units released / good units"
    ),
    "cost_direct_labour_cny": KpiInfo(
        "CNY/unit", "  direct labour", "直接人工", False, "paid hours of the pools that run machines / good units"
    ),
    "cost_indirect_labour_cny": KpiInfo(
        "CNY/unit",
        "  indirect labour",
        "间接人工",
        False,
        "paid hours of pools of kind indirect (logistics, inspection, maintenance, planning) / good units",
    ),
    "cost_energy_cny": KpiInfo(
        "CNY/unit", "  energy", "能源", False, "electricity of the machines and the base load, as priced / good units"
    ),
    "cost_maintenance_cny": KpiInfo(
        "CNY/unit",
        "  maintenance",
        "维修人工与备件",
        False,
        "maintenance crews' paid hours × technician rate + any service charged per hands-on hour + spares per "
        "breakdown (its failure mode's, else the plant's) and per intervention, and the parts a preventive or "
        "predicted stop replaces / good units",
    ),
    "cost_overhead_cny": KpiInfo(
        "CNY/unit", "  overhead", "制造费用", False, "overhead per calendar hour × hours / good units"
    ),
    "cost_escapes_cny": KpiInfo(
        "CNY/unit",
        "  customer claims on escapes",
        "客户索赔与围堵",
        False,
        "per escaped unit shipped: the claim (costs.claim_cny_per_escape) + the units it puts under suspicion "
        "(traceability) × sorting or recall per unit (costs.containment_cny_per_suspect_unit); / good units",
    ),
    "bottleneck_oee": KpiInfo(
        "ratio", "Bottleneck OEE", "瓶颈工序OEE", True, "OEE of the station with the longest mean active period"
    ),
}

STATION_KPIS: dict[str, KpiInfo] = {
    "oee": PLANT_KPIS["oee"],
    "availability": PLANT_KPIS["availability"],
    "effectiveness": PLANT_KPIS["effectiveness"],
    "quality_ratio": PLANT_KPIS["quality_ratio"],
    "utilisation": KpiInfo("ratio", "Utilisation", "利用率", True, "(producing + setup) / PBT"),
    "setup_share": KpiInfo("ratio", "Setup", "换型占比", False, "setup time / PBT"),
    "down_share": KpiInfo("ratio", "Breakdown", "故障占比", False, "unplanned down time / PBT"),
    "maintenance_share": KpiInfo(
        "ratio",
        "Maintenance stops",
        "维护停机占比",
        False,
        "preventive and predictive interventions and false alarms (not planned in the calendar) / PBT",
    ),
    "blocked_share": KpiInfo("ratio", "Blocked", "堵塞占比", False, "blocked time / PBT"),
    "starved_share": KpiInfo("ratio", "Starved", "缺料占比", False, "starved time / PBT"),
    "waiting_operator_share": KpiInfo(
        "ratio", "Waiting for operator", "等待人员占比", False, "waiting-for-operator time / PBT"
    ),
    "queue_len": KpiInfo("units", "Queue length", "队列长度", False, "time-average units in the input buffer"),
    "queue_wait_min": KpiInfo("min", "Queue wait", "排队时间", False, "mean time a unit waits in the input buffer"),
    "active_period_min": KpiInfo(
        "min", "Mean active period", "平均活跃时长", False, "mean uninterrupted active period (Roser)"
    ),
    "energy_kwh": KpiInfo("kWh", "Energy", "能耗", False, "electricity over the window"),
    "standby_share": KpiInfo(
        "ratio", "Switched off", "待机关断占比", False, "idle time switched to standby by EMS / PBT"
    ),
    "interventions": KpiInfo(
        "count", "Maintenance interventions", "维护干预次数", False, "preventive and predictive interventions"
    ),
    "drifts": KpiInfo("count", "Process drifts", "工艺漂移次数", False, "quality drifts started"),
    "material_calls": KpiInfo("count", "Material calls", "物料呼叫次数", False, "line-side replenishment calls"),
    "starved_machine_h_per_week": KpiInfo(
        "h/week",
        "Idle for lack of work",
        "待料空闲机时",
        False,
        "machine-hours per calendar week on shift with no unit to work on: capacity free for more orders",
    ),
    "failures_per_1000h": KpiInfo(
        "1/1000 h", "Failures", "故障频次", False, "breakdowns per 1000 h of planned busy time per machine"
    ),
}
