"""The tier rubric: criteria over the capability profile, each with its tier, element, weight and source.

Each criterion says whether its threshold is published (a source states it) or our reading of a
qualitative or unpublished condition, so a user can tell the plan's rule from the twin's guess.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from twin.spec.base import Float, Int, Sourced, Spec
from twin.spec.factory import Name
from twin.spec.information import FlowName, SystemName
from twin.spec.investment import Tier

Element = Literal["基本要求", "工厂建设", "生产作业", "生产管理", "运营管理"]
DeclaredFact = Literal["above_scale", "safety_environment_record", "secure_key_technology", "organisation_talent"]
ThresholdKind = Literal["published", "our reading"]


class Check(Spec):
    """What a criterion reads in the profile; exactly one test per check."""

    networked_share_min: Float | None = Field(default=None, ge=0, le=1)
    system: SystemName | None = None
    flow: FlowName | None = None
    mode: Literal["manual", "batch", "realtime"] | None = None
    scheduling_in: list[Literal["manual", "rules", "aps"]] | None = None
    maintenance_in: list[Literal["reactive", "preventive", "predictive"]] | None = None
    inspection_in: list[Literal["none", "end_of_line", "inline"]] | None = None
    energy_in: list[Literal["none", "metering", "managed"]] | None = None
    material_in: list[Literal["manual", "wms"]] | None = None
    ai_share_min: Float | None = Field(default=None, ge=0, le=1)
    cmmm_min: Int | None = Field(default=None, ge=1, le=5, description="declared CMMM level at least")
    declared: DeclaredFact | None = Field(default=None, description="a fact the model must declare true")
    finances_sound_years_min: Int | None = Field(default=None, ge=1, description="declared years of sound finances")
    scenarios_min: Int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _one_test(self) -> Check:
        set_fields = [k for k, v in self if v is not None and k != "mode"]
        if len(set_fields) != 1:
            raise ValueError(f"give exactly one test, found {', '.join(set_fields) or 'none'}")
        if (self.flow is None) != (self.mode is None):
            raise ValueError("flow and mode go together")
        return self


class Criterion(Sourced):
    id: Name
    source: str = Field(min_length=1, description="where the criterion and its threshold come from")
    tier: Tier
    element: Element
    name_en: str
    name_zh: str
    check: Check
    threshold: ThresholdKind = Field(description="published: a source states it; 'our reading': our interpretation")
    weight: Float = Field(default=1.0, gt=0)


class Rubric(Sourced):
    note: str = ""
    criteria: list[Criterion] = Field(min_length=1)
