"""Named plants: shipped models, files, and presets (a base plant plus catalogue investments)."""

from __future__ import annotations

from pathlib import Path

from twin.plan.investments import apply_investments, load_catalogue, order_investments
from twin.spec import Factory, SpecError, data_dir, load_factory, shipped_models
from twin.spec.errors import Problem
from twin.spec.investment import Preset, Presets
from twin.spec.loader import load_yaml_as


def load_presets() -> dict[str, Preset]:
    path = data_dir("scenarios") / "presets.yaml"
    if not path.exists():
        return {}
    presets, _ = load_yaml_as(Presets, path)
    return {p.name: p for p in presets.presets}


def model_names() -> list[str]:
    """Every name ``load_model`` accepts besides a path: shipped plants and presets."""
    return sorted({*shipped_models(), *load_presets()})


def _is_name(model: str | Path) -> bool:
    """A bare name (no suffix, no file of that name), to be looked up among presets and shipped plants."""
    path = Path(model)
    return not path.suffix and not (path.exists() and not path.is_dir())


def load_model(model: str | Path | None = None) -> Factory:
    """A factory by path, shipped name or preset name (``None``: the default plant), fully checked.

    This is ``twin.load_factory``: the investments a model says are applied must be in the catalogue.
    Warnings (legal but most likely a slip) are in the result's ``.warnings``.
    """
    if model is not None and _is_name(model):
        preset = load_presets().get(str(model))
        if preset is not None:
            base = load_model(preset.base)
            catalogue = load_catalogue()
            todo = [i for i in preset.investments if i not in base.investments]
            ordered = order_investments(catalogue, todo, base.investments, where=f"preset {preset.name}")
            plant = apply_investments(base, ordered, where=f"preset {preset.name}")
            update = {
                "name": preset.name,
                "name_en": preset.name_en or base.name_en,
                "name_zh": preset.name_zh or base.name_zh,
            }
            if preset.description:
                update["description"] = preset.description
            return plant.declaring(preset.declared).model_copy(update=update)
        if str(model) not in shipped_models():
            known = ", ".join(model_names())
            raise SpecError(
                [Problem(str(model), "", "no such file or shipped model", f"a YAML path or one of: {known}")]
            )
    return load_factory(model, investment_ids=load_catalogue().ids)
