"""Tier Twin: a digital twin of a plant's production and information flows, for planning the climb
through China's smart-factory tiers (basic, advanced, excellent, leading)."""

from twin.plan.presets import load_model as load_factory
from twin.run.experiment import Comparison, SimulationResult, compare, simulate
from twin.spec import DEFAULT_MODEL, Factory, SpecError

__all__ = [
    "DEFAULT_MODEL",
    "Comparison",
    "Factory",
    "SimulationResult",
    "SpecError",
    "compare",
    "load_factory",
    "simulate",
]
__version__ = "0.1.0"
