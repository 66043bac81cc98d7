"""The capability profile of a plant, read off its model (not off its KPIs).

What the tier rubric checks is what the plant *has*: networked machines, systems, how each key
flow of information travels, how it schedules, maintains, inspects, meters energy and uses AI, and
the enterprise facts the model declares (CMMM level, size, finances, record, organisation). Of the
40 typical scenarios, those the twin models are read off the mechanisms (``MODELLED``); the others
count when the model declares them, or when an AI application implements them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from twin.spec.factory import Factory
from twin.spec.scenarios import MODELLED, SCENARIOS

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
    declared_scenarios: tuple[str, ...]
    ai_applications: tuple[str, ...]
    ai_share: float
    cmmm_level: int | None
    above_scale: bool | None
    finances_sound_years: int | None
    safety_environment_record: bool | None
    secure_key_technology: bool | None
    organisation_talent: bool | None

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


def _modelled_scenarios(f: Factory, p: dict) -> dict[str, bool]:
    """Each scenario the twin models, and whether this plant has the mechanism behind it."""
    systems, modes = p["systems"], p["flow_modes"]
    setups = [s.setup_min.mean for s in f.stations if s.setup_min is not None]
    found = {
        "设备运行监控": p["networked_share"] >= 0.5 and "SCADA" in systems,
        "数字基础设施建设": p["networked_share"] >= 0.8,
        "设备维修维护": "EAM" in systems and p["maintenance"] != "reactive",
        "设备故障诊断与预测": p["maintenance"] == "predictive" and modes["condition_data"] != "none",
        "生产进度跟踪": "MES" in systems and modes["orders"] == "realtime",
        "车间智能排产": p["scheduling"] == "aps",
        "生产动态调度": modes["dispatch_state"] == "realtime" and p["scheduling"] != "manual",
        "生产计划优化": "ERP" in systems and "APS" in systems,
        "仓储智能管理": "WMS" in systems,
        "物料精准配送": p["material"] == "wms",
        "在线智能检测": p["inspection"] == "inline",
        "质量精准追溯": f.traceability.scope == "units" or ("MES" in systems and "QMS" in systems),
        "质量分析与改进": "QMS" in systems,
        "能源智能管控": p["energy"] == "managed",
        "柔性产线快速换产": bool(setups) and max(setups) <= 20,
        # robot-tended cells: no operator at the machine and running through the breaks, the people
        # tending several cells (relief crews run through breaks too, but with their operators)
        "人机协同作业": any(s.runs_through_breaks and s.operators == 0 for s in f.stations),
    }
    assert set(found) == set(MODELLED), "profile and twin.spec.scenarios.MODELLED must list the same scenarios"
    return found


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
    base = {
        "networked_share": round(networked, 6),
        "systems": systems,
        "flow_modes": modes,
        "scheduling": scheduling,
        "maintenance": f.policies.maintenance.regime,
        "inspection": inspection,
        "energy": energy,
        "material": material,
    }
    read = {name for name, ok in _modelled_scenarios(f, base).items() if ok}
    declared = set(f.declared.scenarios)
    ai_apps = set(info.ai_applications if info else ())
    # An AI application implements a scenario the twin does not model; one it does model must show in the mechanisms.
    implemented = read | declared | {a for a in ai_apps if a in SCENARIOS and a not in MODELLED}
    ordered = tuple(s for s in SCENARIOS if s in implemented)
    ai = tuple(s for s in ordered if s in ai_apps)
    d = f.declared
    return Profile(
        **base,
        scenarios=ordered,
        declared_scenarios=tuple(s for s in SCENARIOS if s in declared),
        ai_applications=ai,
        ai_share=round(len(ai) / len(ordered), 6) if ordered else 0.0,
        cmmm_level=d.cmmm_level,
        above_scale=d.above_scale,
        finances_sound_years=d.finances_sound_years,
        safety_environment_record=d.safety_environment_record,
        secure_key_technology=d.secure_key_technology,
        organisation_talent=d.organisation_talent,
    )
