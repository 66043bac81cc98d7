"""The information layer: systems, the interfaces between them, and the paths information flows take.

Nodes are industrial systems (ERP, MES, ...), ``MANUAL`` (paper, phone, a person walking: the
absence of a system) and ``FLOOR`` (the machines and people on the shop floor). An interface is a
directed edge with a mode — manual (a person; progresses only in working time), batch (a job every
``every_min``) or realtime — a latency, a probability that a message is lost or wrong and must be
redone, and an availability. A flow is a path of nodes; its delay is the sum of its edges' delays.
The mechanisms of the engine (order release, failure alarms, quality feedback, dispatching,
material calls, condition monitoring) each read one flow.
"""

from __future__ import annotations

from typing import Literal

import networkx as nx
from pydantic import Field, model_validator

from twin.spec.base import Float, Sourced
from twin.spec.distributions import Distribution

SystemName = Literal["ERP", "MES", "APS", "WMS", "QMS", "EAM", "SCADA", "EMS", "PLM", "MANUAL", "FLOOR"]
SYSTEMS_ZH = {
    "ERP": "企业资源计划", "MES": "制造执行系统", "APS": "高级计划排程", "WMS": "仓储管理系统",
    "QMS": "质量管理系统", "EAM": "设备资产管理", "SCADA": "数据采集与监控", "EMS": "能源管理系统",
    "PLM": "产品生命周期管理", "MANUAL": "人工/纸质", "FLOOR": "车间现场",
}  # fmt: skip
ALWAYS_PRESENT = ("MANUAL", "FLOOR")

FlowName = Literal[
    "orders",
    "failure_alarm",
    "repair_call",
    "quality_feedback",
    "dispatch_state",
    "material_call",
    "condition_data",
    "energy_data",
]
FLOW_ENDS: dict[str, tuple[str | None, str | None]] = {
    "orders": (None, "FLOOR"),
    "failure_alarm": ("FLOOR", None),
    "repair_call": (None, None),
    "quality_feedback": ("FLOOR", "FLOOR"),
    "dispatch_state": ("FLOOR", "FLOOR"),
    "material_call": ("FLOOR", None),
    "condition_data": ("FLOOR", None),
    "energy_data": ("FLOOR", None),
}
"""Where each flow must start and end (``None``: any node)."""

FLOW_MEANING = {
    "orders": "customer orders from entry to the shop floor (release)",
    "failure_alarm": "a networked machine's breakdown alarm (others wait to be noticed by a person)",
    "repair_call": "the repair crew called once a breakdown is known",
    "quality_feedback": "a process drift found by inspection and the correction back at the machine",
    "dispatch_state": "the shop-floor state the dispatcher decides on",
    "material_call": "a line-side replenishment request reaching the warehouse",
    "condition_data": "machine condition data reaching the maintenance planner (predictive maintenance)",
    "energy_data": "energy metering (enables idle switch-off)",
}


class Interface(Sourced):
    """A directed interface between two nodes."""

    source_node: SystemName = Field(alias="from")
    to: SystemName
    mode: Literal["manual", "batch", "realtime"]
    every_min: Float | None = Field(default=None, gt=0, description="batch interval (batch mode)")
    latency_min: Distribution = Field(description="transfer or handling time of one message")
    error: Float = Field(default=0.0, ge=0, lt=1, description="probability a message must be redone")
    availability: Float = Field(default=1.0, gt=0, le=1)
    outage_min: Float = Field(default=60.0, gt=0, description="mean length of an outage")
    flow: FlowName | None = Field(
        default=None, description="serves only this flow (e.g. a phone call vs a shift report between the same nodes)"
    )

    @model_validator(mode="after")
    def _batch_has_interval(self) -> Interface:
        if self.mode == "batch" and self.every_min is None:
            raise ValueError("mode batch needs every_min")
        if self.mode != "batch" and self.every_min is not None:
            raise ValueError(f"every_min applies to mode batch only, not {self.mode}")
        return self

    @property
    def edge(self) -> tuple[str, str]:
        return self.source_node, self.to


class Information(Sourced):
    systems: list[SystemName] = Field(default_factory=list, description="systems installed (MANUAL, FLOOR implicit)")
    interfaces: list[Interface] = []
    flows: dict[FlowName, list[SystemName]] = Field(default_factory=dict, description="flow -> path of nodes")
    ai_applications: list[str] = Field(
        default_factory=list, description="typical scenarios (of the 40-scenario guide) run with AI models"
    )

    def present(self) -> set[str]:
        return {*self.systems, *ALWAYS_PRESENT}

    def interface(self, flow: str, a: str, b: str) -> Interface | None:
        """The interface a flow uses from ``a`` to ``b``: its own if it has one, else the shared one."""
        shared = None
        for itf in self.interfaces:
            if itf.edge == (a, b):
                if itf.flow == flow:
                    return itf
                if itf.flow is None:
                    shared = itf
        return shared


def interface_graph(info: Information) -> nx.DiGraph:
    """The systems and interfaces as a directed graph (edge attribute ``interface``)."""
    g = nx.DiGraph()
    g.add_nodes_from(info.present())
    for itf in info.interfaces:
        g.add_edge(*itf.edge)
    return g
