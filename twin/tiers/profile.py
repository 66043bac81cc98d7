"""The capability profile of a plant, read off its model (not off its KPIs).

What the tier rubric checks is what the plant *has*: networked machines, systems, how each key
flow of information travels, how it schedules, maintains, inspects, meters energy and uses AI.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from twin.spec.factory import Factory

MODES = ("none", "manual", "batch", "realtime")
KEY_FLOWS = ("orders", "failure_alarm", "repair_call", "quality_feedback", "dispatch_state", "material_call")


@dataclass(frozen=True)
class Profile:
    networked_share: float
    systems: tuple[str, ...]
    flow_modes: dict[str, str]
    scheduling: str
    maintenance: str
    inspection: str
    energy: str
    material: str
    scenarios: tuple[str, ...]
    ai_applications: tuple[str, ...]
    ai_share: float
    cmmm_level: int

    def to_dict(self) -> dict:
        return asdict(self)


def flow_mode(factory: Factory, flow: str) -> str:
    """The weakest interface mode along a flow's path ('none' if the plant has no such flow)."""
    info = factory.information
    if info is None or flow not in info.flows:
        return "none"
    path = info.flows[flow]
    modes = [info.interface(flow, a, b).mode for a, b in zip(path, path[1:], strict=False)]
    return min(modes, key=MODES.index)


def capability_profile(f: Factory) -> Profile:
    info = f.information
    systems = tuple(sorted(info.systems)) if info else ()
    machines = sum(s.machines for s in f.stations)
    networked = sum(s.machines for s in f.stations if s.networked) / machines
    modes = {flow: flow_mode(f, flow) for flow in (*KEY_FLOWS, "condition_data", "energy_data")}
    rules = {s.dispatch or f.policies.dispatch for s in f.stations}
    if "APS" in systems and modes["dispatch_state"] == "realtime" and rules & {"setup_avoiding", "edd", "atcs"}:
        scheduling = "aps"
    elif "MES" in systems and modes["dispatch_state"] != "none" and rules - {"fifo"}:
        scheduling = "rules"
    else:
        scheduling = "manual"
    inspection = {"realtime": "inline", "none": "none"}.get(modes["quality_feedback"], "end_of_line")
    if f.energy.switch_off_after_min is not None:
        energy = "managed"
    elif "EMS" in systems and modes["energy_data"] != "none":
        energy = "metering"
    else:
        energy = "none"
    material = "wms" if "WMS" in systems and modes["material_call"] == "realtime" else "manual"
    regime = f.policies.maintenance.regime
    setups = [s.setup_min.mean for s in f.stations if s.setup_min is not None]

    scenarios = {
        "设备运行监控": networked >= 0.5 and "SCADA" in systems,
        "数字基础设施建设": networked >= 0.8,
        "设备维修维护": "EAM" in systems and regime != "reactive",
        "设备故障诊断与预测": regime == "predictive",
        "生产进度跟踪": "MES" in systems and modes["orders"] == "realtime",
        "车间智能排产": scheduling == "aps",
        "生产动态调度": modes["dispatch_state"] == "realtime" and scheduling != "manual",
        "生产计划优化": "ERP" in systems and "APS" in systems,
        "仓储智能管理": "WMS" in systems,
        "物料精准配送": material == "wms",
        "在线智能检测": inspection == "inline",
        "质量分析与改进": "QMS" in systems,
        "能源智能管控": energy == "managed",
        "柔性产线快速换产": bool(setups) and max(setups) <= 20,
        "工艺动态优化": "工艺动态优化" in (info.ai_applications if info else []),
    }
    implemented = tuple(name for name, ok in scenarios.items() if ok)
    ai = tuple(a for a in (info.ai_applications if info else []) if a in implemented)
    ai_share = len(ai) / len(implemented) if implemented else 0.0
    realtime_flows = sum(modes[k] == "realtime" for k in KEY_FLOWS)
    level = 1
    if "ERP" in systems and networked >= 0.3:
        level = 2
        if "MES" in systems and realtime_flows >= 3:
            level = 3
            if (regime == "predictive" or scheduling == "aps") and realtime_flows >= 5:
                level = 4
                if ai_share >= 0.6:
                    level = 5
    return Profile(
        networked_share=round(networked, 6),
        systems=systems,
        flow_modes=modes,
        scheduling=scheduling,
        maintenance=regime,
        inspection=inspection,
        energy=energy,
        material=material,
        scenarios=implemented,
        ai_applications=ai,
        ai_share=round(ai_share, 6),
        cmmm_level=level,
    )
