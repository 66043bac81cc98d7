"""The 40 typical scenarios of the scenario guide, and which of them the twin reads off a model.

A scenario the twin models (its systems, flows and policies show whether the plant has it) is never
declared; every other one (R&D design, supply chain, services, safety...) is counted when the model
declares it, because no shop-floor mechanism could show it.
"""

from __future__ import annotations

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

MODELLED = (
    "数字基础设施建设", "生产计划优化", "车间智能排产", "生产进度跟踪", "生产动态调度", "仓储智能管理",
    "物料精准配送", "能源智能管控", "柔性产线快速换产", "人机协同作业", "在线智能检测", "质量精准追溯",
    "质量分析与改进", "设备运行监控", "设备故障诊断与预测", "设备维修维护",
)  # fmt: skip
"""Scenarios the capability profile reads off the model (twin.tiers.profile); they cannot be declared."""
