"""Plant economics: yearly cash flows after tax, NPV, IRR and discounted payback, as distributions."""

from twin.economics.assumptions import load_finance
from twin.economics.cashflow import (
    CashFlows,
    MoneyEstimate,
    discounted_payback,
    irr,
    npv,
    project_cash_flows,
    straight_line_depreciation,
    summarise,
)

__all__ = [
    "CashFlows",
    "MoneyEstimate",
    "discounted_payback",
    "irr",
    "load_finance",
    "npv",
    "project_cash_flows",
    "straight_line_depreciation",
    "summarise",
]
