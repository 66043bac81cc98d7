"""Loading the finance assumptions: the shipped defaults, or a user's file with the same one-line errors."""

from __future__ import annotations

from pathlib import Path

from twin.spec import data_dir
from twin.spec.finance import Finance, FinanceFile
from twin.spec.loader import load_yaml_as


def default_finance_path() -> Path:
    return data_dir("scenarios") / "finance.yaml"


def load_finance(path: str | Path | None = None) -> Finance:
    """The ``finance:`` block of ``path`` (default: the shipped ``scenarios/finance.yaml``)."""
    spec, _ = load_yaml_as(FinanceFile, Path(path) if path else default_finance_path())
    return spec.finance
