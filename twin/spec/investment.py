"""Investments as declarative patches to a factory model, and the catalogue that holds them.

An investment never touches a KPI: it changes the model — a repair-time distribution, an interface
from manual to realtime, a maintenance regime — and the simulation decides what that does. An
uncertain effect is a ``factor`` distribution, sampled once per replication.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from twin.spec.base import Float, Sourced, Spec
from twin.spec.distributions import Distribution
from twin.spec.factory import Name

TIERS = ("basic", "advanced", "excellent", "leading")
TIER_ZH = {
    "basic": "基础级",
    "advanced": "先进级",
    "excellent": "卓越级",
    "leading": "领航级",
    "below_basic": "未达基础级",
}
Tier = Literal["basic", "advanced", "excellent", "leading"]

SCENARIOS = (
    "工厂数字化规划设计", "数字基础设施建设", "数字孪生工厂构建", "产品数字化设计", "产品虚拟验证", "工艺数字化设计",
    "制造工程优化", "生产计划优化", "车间智能排产", "生产进度跟踪", "生产动态调度", "仓储智能管理", "物料精准配送",
    "危险作业自动化", "安全一体化管控", "能源智能管控", "碳资产全生命周期管理", "污染在线管理", "网络协同制造",
    "柔性产线快速换产", "工艺动态优化", "先进过程控制", "人机协同作业", "在线智能检测", "质量精准追溯",
    "质量分析与改进", "设备运行监控", "设备故障诊断与预测", "设备维修维护", "智能经营决策", "数智精益管理",
    "规模化定制", "产品精准营销", "远程运维服务", "产品增值服务", "客户主动服务", "供应链数字化管理",
    "采购计划优化协同", "供应链风险预警与调度", "供应链物流智能配送",
)  # fmt: skip
"""The 40 typical smart-manufacturing scenarios (domain.md §2; third-party transcription of the 2025 guide)."""


class PatchOp(Spec):
    """One change to the model. Paths are dotted; ``[name]``, ``[a|b]``, ``[*]`` or ``[3]`` select list items.

    - ``set``: put ``value`` at ``path`` (creating missing mappings on the way)
    - ``scale``: multiply the number or distribution at ``path`` by ``factor`` (a number or a distribution)
    - ``add``: add ``value`` to the number at ``path``
    - ``append``: add ``value`` to the list at ``path`` unless already there
    - ``upsert``: replace the item of the list at ``path`` with the same name (or from/to), else append
    - ``merge``: update the mapping at ``path`` with ``value``
    """

    op: Literal["set", "scale", "add", "append", "upsert", "merge"]
    path: str = Field(min_length=1)
    value: Any = None
    factor: Distribution | None = None


class Investment(Sourced):
    """A catalogue entry. ``source`` cites the cost figures, ``effect_source`` the effect ranges."""

    id: Name
    name_en: str
    name_zh: str
    category: Literal["equipment", "industrial_software", "integration", "data_ai", "people"]
    scenario: str = Field(description="typical scenario of the 40-scenario guide")
    tier: Tier = Field(description="the tier this investment typically belongs to")
    capex_cny: Float = Field(ge=0)
    opex_cny_per_year: Float = Field(default=0.0, ge=0)
    install_downtime_days: Float = Field(default=0.0, ge=0)
    ramp_up_months: Float = Field(default=0.0, ge=0)
    life_years: Float = Field(gt=0)
    prerequisites: list[Name] = []
    patch: list[PatchOp] = []
    headcount_delta: dict[Name, int | list[int]] = Field(
        default_factory=dict,
        description="people added (+) or removed (-) per operator pool, direct or indirect: one number for every"
        " shift or one per shift; applied to the pool's counts after the patch",
    )
    effect_source: str = Field(min_length=1)

    @model_validator(mode="after")
    def _changes_something(self) -> Investment:
        if not self.patch and not self.headcount_delta:
            raise ValueError("give a patch, a headcount_delta or both")
        return self

    @field_validator("scenario")
    @classmethod
    def _known_scenario(cls, value: str) -> str:
        if value not in SCENARIOS:
            raise ValueError(f"expected one of the 40 typical scenarios, e.g. {', '.join(SCENARIOS[:4])}, ...")
        return value


class Catalogue(Spec):
    investments: list[Investment] = Field(min_length=1)

    def get(self, investment_id: str) -> Investment:
        return next(i for i in self.investments if i.id == investment_id)

    @property
    def ids(self) -> list[str]:
        return [i.id for i in self.investments]


class Preset(Spec):
    """A named plant: a base model plus catalogue investments (so the two can never drift apart)."""

    name: Name
    name_zh: str | None = None
    base: str
    tier: Tier
    investments: list[Name] = Field(min_length=1)
    description: str = ""


class Presets(Spec):
    presets: list[Preset] = []
