"""Validated specs of factories, loaded from YAML with one-line errors."""

from twin.spec.checks import check_factory, load_factory
from twin.spec.errors import Problem, RunError, SpecError
from twin.spec.factory import Factory
from twin.spec.loader import DEFAULT_MODEL, data_dir, resolve_model_path, shipped_models

__all__ = [
    "DEFAULT_MODEL",
    "Factory",
    "Problem",
    "RunError",
    "SpecError",
    "check_factory",
    "data_dir",
    "load_factory",
    "resolve_model_path",
    "shipped_models",
]
