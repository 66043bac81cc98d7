"""The ``twin`` command line: a thin layer over the library."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn
from rich.table import Table

from twin.kpi.definitions import PLANT_KPIS
from twin.plan.investments import Scenario, load_catalogue, order_investments
from twin.plan.presets import load_model, model_names
from twin.run.experiment import OptionError, SimulationResult, simulate
from twin.run.files import write_atomic
from twin.spec import Factory, SpecError
from twin.spec.information import SYSTEMS_ZH
from twin.spec.investment import TIER_ZH
from twin.tiers.assess import assess, load_rubric

app = typer.Typer(
    help="Tier Twin — simulate a plant and the smart-factory investments that lift it a tier.\n\n"
    "Tier Twin 智能工厂梯度升级数字孪生：仿真工厂与投资方案。",
    no_args_is_help=True,
    add_completion=False,
)
err = Console(stderr=True)
out = Console() if sys.stdout.isatty() else Console(width=150)

ModelArg = Annotated[
    str | None,
    typer.Argument(help="A factory YAML file, or a shipped plant or tier preset name (default: precision_machining)."),
]


def _fail(exc: SpecError) -> None:
    for problem in exc.problems:  # plain lines: a problem must never wrap at the terminal width
        sys.stderr.write(f"{problem}\n")
    raise typer.Exit(2)


def _load(model: str | None):
    try:
        return load_model(model)
    except SpecError as exc:
        _fail(exc)


@app.command()
def validate(model: ModelArg = None) -> None:
    """Check a factory model; print one line per problem and exit 2 if there are any. 校验工厂模型。"""
    factory = _load(model)
    out.print(
        f"OK: {factory.name} — {len(factory.stations)} stations, {len(factory.products)} products, "
        f"{sum(s.machines for s in factory.stations)} machines"
    )


@app.command()
def models() -> None:
    """List the shipped reference plants and tier presets. 列出内置参考工厂与梯度预设。"""
    for name in model_names():
        f = _load(name)
        out.print(f"{name:32} {f.name_zh or '':16} {f.description.splitlines()[0] if f.description else ''}")


@app.command()
def investments() -> None:
    """List the investment catalogue. 列出投资目录。"""
    try:
        catalogue = load_catalogue()
    except SpecError as exc:
        _fail(exc)
    table = Table(title="Investment catalogue 投资目录", title_justify="left")
    for col in ("id", "name", "名称", "tier 梯度", "category", "capex CNY", "opex CNY/yr", "needs"):
        table.add_column(col, justify="right" if "CNY" in col else "left")
    for inv in catalogue.investments:
        table.add_row(
            inv.id,
            inv.name_en,
            inv.name_zh,
            f"{inv.tier} {TIER_ZH[inv.tier]}",
            inv.category,
            f"{inv.capex_cny:,.0f}",
            f"{inv.opex_cny_per_year:,.0f}",
            ", ".join(inv.prerequisites),
        )
    out.print(table)


@app.command("assess")
def assess_cmd(
    model: ModelArg = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object instead of tables.")] = False,
) -> None:
    """Tier the plant meets today and the gap to the next tier (indicative). 梯度自评与差距分析（参考）。"""
    factory = _load(model)
    try:
        result = assess(factory, load_rubric(), load_catalogue())
    except SpecError as exc:
        _fail(exc)
    if as_json:
        sys.stdout.write(json.dumps(result.to_dict(), indent=2, ensure_ascii=False) + "\n")
        return
    rubric = load_rubric()
    out.print(
        f"[bold]{factory.name}[/]: meets [bold]{result.tier}[/] {TIER_ZH[result.tier]} (indicative self-assessment)"
    )
    systems = ", ".join(f"{name} {SYSTEMS_ZH[name]}" for name in result.profile.systems) or "none 无"
    out.print(f"systems 系统: {systems}; networked machines 联网率 {result.profile.networked_share:.0%}")
    table = Table(title="Criteria 评价项", title_justify="left")
    for col in ("tier", "element 要素", "criterion", "指标", "met"):
        table.add_column(col)
    for c in rubric.criteria:
        table.add_row(c.tier, c.element, c.name_en, c.name_zh, "[green]yes[/]" if result.passed[c.id] else "[red]no[/]")
    out.print(table)
    if result.next_tier:
        gaps = Table(title=f"Gap to {result.next_tier} {TIER_ZH[result.next_tier]} 差距", title_justify="left")
        for col in ("criterion", "missing", "closed by 可由以下投资补齐"):
            gaps.add_column(col)
        for g in result.gaps:
            gaps.add_row(g.criterion.id, g.missing, ", ".join(g.closed_by) or "—")
        out.print(gaps)
    out.print(f"[dim]{rubric.note}[/]")


def _warmup(value: str | None) -> str | float | None:
    if value is None or value == "auto":
        return value
    try:
        minutes = float(value)
    except ValueError:
        raise typer.BadParameter(f"expected 'auto' or minutes, found {value!r}") from None
    if minutes < 0:
        raise typer.BadParameter(f"expected minutes >= 0, found {value}")
    return minutes


class _LazyProgress:
    """A progress bar that appears only once a run has taken more than a second."""

    def __init__(self, label: str, enabled: bool):
        self.label, self.enabled = label, enabled
        self.start = time.perf_counter()
        self.bar: Progress | None = None
        self.task = None

    def __call__(self, fraction: float) -> None:
        if not self.enabled:
            return
        if self.bar is None:
            if time.perf_counter() - self.start < 1.0:
                return
            self.bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                TaskProgressColumn(),
                TimeRemainingColumn(),
                console=err,
                transient=True,
            )
            self.bar.start()
            self.task = self.bar.add_task(self.label, total=1.0)
        self.bar.update(self.task, completed=fraction)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "ratio":
        return f"{value * 100:.1f}%"
    return f"{value:,.2f}"


def _print_result(result: SimulationResult) -> None:
    title = (
        f"{result.model}: {len(result.replications)} replications × {result.horizon_min / 1440:g} days, "
        f"warm-up {result.warmup_min / 60:.1f} h"
    )
    table = Table(title=title, title_justify="left")
    for col in ("KPI", "指标", "mean 均值", "95% CI 置信区间", "unit"):
        table.add_column(col, justify="right" if col.startswith(("mean", "95")) else "left")
    for name, est in result.kpis.items():
        info = PLANT_KPIS[name]
        ci = "—" if est.lo is None else f"{_fmt(est.lo, info.unit)} … {_fmt(est.hi, info.unit)}"
        table.add_row(info.en, info.zh, _fmt(est.mean, info.unit), ci, "" if info.unit == "ratio" else info.unit)
    out.print(table)
    st = Table(
        title="Stations 工序 (means)", title_justify="left", caption="* bottleneck 瓶颈 (longest mean active period)"
    )
    cols = (
        "oee",
        "availability",
        "effectiveness",
        "quality_ratio",
        "utilisation",
        "setup_share",
        "down_share",
        "blocked_share",
        "starved_share",
        "waiting_operator_share",
        "queue_len",
    )
    heads = ("OEE", "A", "E", "Q", "util", "setup", "down", "blocked", "starved", "wait op", "queue")
    st.add_column("station")
    for h in heads:
        st.add_column(h, justify="right")
    for name, kp in result.stations.items():
        mark = " *" if name == result.bottleneck else ""
        st.add_row(name + mark, *(_fmt(kp[c].mean, "units" if c == "queue_len" else "ratio") for c in cols))
    out.print(st)


@app.command("simulate")
def simulate_cmd(
    model: ModelArg = None,
    reps: Annotated[int | None, typer.Option("--reps", min=1, help="Replications (default from the model).")] = None,
    days: Annotated[
        float | None, typer.Option("--days", min=0.01, max=3650, help="Simulated days per replication.")
    ] = None,
    warmup: Annotated[str | None, typer.Option("--warmup", help="'auto' (MSER-5) or minutes.")] = None,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Random seed; same seed, same results.")] = 1,
    jobs: Annotated[int, typer.Option("--jobs", min=1, help="Parallel worker processes.")] = 1,
    with_: Annotated[
        str | None,
        typer.Option("--with", help="Comma-separated catalogue investment ids to apply (see `twin investments`)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object instead of tables.")] = False,
    out_file: Annotated[Path | None, typer.Option("--out", help="Also write the JSON result to this file.")] = None,
) -> None:
    """Simulate a plant and print its KPIs with 95% confidence intervals. 仿真并输出KPI。"""
    if out_file is not None and out_file.is_dir():
        raise typer.BadParameter(f"{out_file} is a folder; give a file name", param_hint="--out")
    factory = _load(model)
    plant: Factory | Scenario = factory
    if with_:
        ids = [i.strip() for i in with_.split(",") if i.strip()]
        try:
            ordered = order_investments(load_catalogue(), ids, factory.investments)
            plant = Scenario(factory, tuple(ordered))
            plant.for_replication(seed, 0)  # a patch that does not fit fails here, before any run
        except SpecError as exc:
            _fail(exc)
    progress = _LazyProgress(f"simulating {factory.name}", enabled=err.is_terminal)
    try:
        result = simulate(plant, days=days, reps=reps, warmup=_warmup(warmup), seed=seed, jobs=jobs, progress=progress)
    except OptionError as exc:
        progress.close()
        raise typer.BadParameter(str(exc)) from None
    progress.close()
    document = json.dumps(result.to_dict(), indent=2, ensure_ascii=False)
    if out_file is not None:
        write_atomic(out_file, document + "\n")
    if as_json:
        sys.stdout.write(document + "\n")
    else:
        _print_result(result)


if __name__ == "__main__":
    app()
