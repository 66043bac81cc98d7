"""The ``twin`` command line: a thin layer over the library.

Every failure a user can cause ends as one line on stderr naming the file, field or option; only a
bug prints a traceback, with a request to report it.
"""

from __future__ import annotations

import errno
import json
import math
import os
import sys
import traceback
from collections.abc import Callable, Collection, Sequence
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
from rich import box
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text
from typer.core import TyperGroup

from twin import __version__
from twin.kpi.capacity import Saturated, capacity_bottleneck
from twin.kpi.definitions import PLANT_KPIS
from twin.kpi.stats import Estimate
from twin.plan.investments import Scenario, fit_report, headcount_on, load_catalogue, order_investments
from twin.plan.presets import load_model, model_names
from twin.run.executors import EXECUTORS, Executor, SchedulerAddressError, make_executor
from twin.run.experiment import Comparison, OptionError, SimulationResult, compare
from twin.run.files import OutputError, check_writable, write_atomic
from twin.run.progress import RunProgress
from twin.spec import DEFAULT_MODEL, Factory, RunError, SpecError
from twin.spec.information import SYSTEMS_ZH
from twin.spec.investment import TIER_ZH
from twin.tiers.assess import Gap, assess, load_rubric
from twin.tiers.profile import Profile

EXIT_BUG, EXIT_INPUT, EXIT_NOT_SAVED, EXIT_INTERRUPTED, EXIT_CLOSED_PIPE = 1, 2, 3, 130, 141
EXIT_STATUS = (
    "Exit status: 0 done; 2 a problem with the model or an option, an output file refused before the run "
    "included (one line each); 3 a file could not be read, or a result could not be saved after the run "
    "(it is printed first); 130 interrupted; 141 the output pipe was closed (as `| head` does); "
    "1 an internal error (please report it)."
)


def _say(line: str) -> None:
    """One plain line on stderr: never wrapped or boxed, so it reads the same in a terminal and a log."""
    sys.stderr.write(line.replace("\n", " ") + "\n")
    sys.stderr.flush()


def _load(model: str | None) -> Factory:
    """The model by path, shipped name or preset; its warnings (slips that still run) go to stderr."""
    factory = load_model(model)
    for warning in factory.warnings:
        _say(f"warning: {warning}")
    return factory


def _usage_line(exc: typer.TyperException) -> str:
    ctx = getattr(exc, "ctx", None)
    where = ctx.command_path if ctx is not None else "twin"
    param = getattr(exc, "param", None)
    hint = getattr(exc, "param_hint", None) or (param.opts[0] if param is not None and param.opts else None)
    if isinstance(hint, list | tuple):
        hint = hint[0]
    if isinstance(exc, typer.BadParameter) and hint:
        return f"{where}: {hint}: {exc.message}"
    return f"{where}: {exc.format_message()} (see {where} --help)"


class _Twin(TyperGroup):
    """The ``twin`` group: turns every error into one line and an exit status (see ``EXIT_STATUS``)."""

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None, *a: Any, **kw: Any) -> Any:
        standalone = kw.pop("standalone_mode", True)
        prog_name = "twin" if prog_name in (None, "root") else prog_name
        try:
            code = super().main(args, prog_name, *a, **kw, standalone_mode=False)
        except typer.TyperException as exc:  # click's usage errors, as vendored by typer
            if type(exc).__name__ == "NoArgsIsHelpError":
                exc.show()
            else:
                _say(_usage_line(exc))
            code = getattr(exc, "exit_code", EXIT_INPUT)
        except typer.Abort:
            _say("twin: interrupted; nothing was written")
            code = EXIT_INTERRUPTED
        code = code if isinstance(code, int) else 0
        if standalone:
            sys.exit(code)
        return code

    def invoke(self, ctx: typer.Context) -> Any:
        def where() -> str:  # the subcommand is known only once the group has dispatched to it
            return f"{ctx.command_path} {ctx.invoked_subcommand or ''}".strip()

        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise
        except KeyboardInterrupt:
            _say(f"{where()}: interrupted; nothing was written")
            raise typer.Exit(EXIT_INTERRUPTED) from None
        except SpecError as exc:
            for problem in exc.problems:
                _say(str(problem))
            raise typer.Exit(EXIT_INPUT) from None
        except RunError as exc:
            _say(f"{where()}: {exc}")
            raise typer.Exit(EXIT_INPUT) from None
        except OSError as exc:
            if exc.errno == errno.EPIPE:
                # the reader closed the pipe (`twin simulate | head`): stop quietly, as a command killed by
                # SIGPIPE would; stdout goes nowhere so that flushing it at exit cannot fail again
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
                raise typer.Exit(EXIT_CLOSED_PIPE) from None
            name = f"{exc.filename}: " if exc.filename else ""
            _say(f"{where()}: {name}{exc.strerror or exc}")
            raise typer.Exit(EXIT_NOT_SAVED) from None
        except Exception as exc:
            traceback.print_exc()
            _say(
                f"{where()}: internal error: {type(exc).__name__}: {exc} — "
                "please report it with the command, the model and the traceback above"
            )
            raise typer.Exit(EXIT_BUG) from None


app = typer.Typer(
    name="twin",
    cls=_Twin,
    epilog=EXIT_STATUS,
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)
err = Console(stderr=True)


class _Stdout(Console):
    """Rich's console, whose closed pipe is an ``EPIPE`` like any other write (rich exits with status 1)."""

    def on_broken_pipe(self) -> None:
        raise BrokenPipeError(errno.EPIPE, "Broken pipe")


def _out() -> Console:
    """Stdout, made when printing so ``COLUMNS`` and piping are honoured (80 columns when piped)."""
    return _Stdout(highlight=False, markup=False)  # names and descriptions are the user's text, not markup


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"twin {__version__}\n")
        raise typer.Exit()


@app.callback()
def _root(
    show_version: Annotated[
        bool, typer.Option("--version", is_eager=True, callback=_version, help="Print the version and exit.")
    ] = False,
) -> None:
    """Tier Twin — simulate a plant and the smart-factory investments that lift it a tier.

    Tier Twin 智能工厂梯度升级数字孪生：仿真工厂与投资方案。
    """


ELEMENT_EN = {
    "基本要求": "basic requirements",
    "工厂建设": "plant build-up",
    "生产作业": "production operations",
    "生产管理": "production management",
    "运营管理": "business management",
}
"""English names of the tier plan's elements, shown beside the Chinese ones."""

ModelArg = Annotated[
    str | None,
    typer.Argument(
        help="A factory YAML file, or a shipped plant or tier preset name.", show_default=DEFAULT_MODEL, metavar="MODEL"
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object instead of tables.")]
SeedOpt = Annotated[int, typer.Option("--seed", help="Random seed; same seed, same results, whatever the executor.")]
ExecutorOpt = Annotated[
    str | None,
    typer.Option(
        "--executor",
        help="Where replications run: serial (this process), pool (--jobs local processes) or dask (the Dask "
        "scheduler at --scheduler, or a local Dask cluster of --jobs workers). Results are identical.",
        show_default="pool, or dask with --scheduler",
        metavar="|".join(EXECUTORS),
    ),
]
SchedulerOpt = Annotated[
    str | None,
    typer.Option(
        "--scheduler",
        help="Address of a running Dask scheduler, e.g. tcp://10.0.0.5:8786 (needs the distributed extra).",
        metavar="ADDRESS",
    ),
]


def _executor(command: str, name: str | None, jobs: int, scheduler: str | None) -> Executor:
    """The executor asked for, its capped worker count and where it runs told on stderr when not local."""
    if name is not None and name not in EXECUTORS:
        raise typer.BadParameter(f"found {name!r}; expected one of {', '.join(EXECUTORS)}", param_hint="--executor")
    if scheduler is not None and name not in (None, "dask"):
        raise typer.BadParameter(f"found {name}; a --scheduler needs --executor dask", param_hint="--executor")
    chosen = name or ("dask" if scheduler is not None else "pool")
    try:
        executor = make_executor(chosen, jobs, scheduler, note=lambda why: _say(f"{command}: {why}"))  # type: ignore[arg-type]
    except SchedulerAddressError as exc:
        raise typer.BadParameter(str(exc), param_hint="--scheduler") from None
    if chosen == "dask":
        _say(f"{command}: running on the {executor.describe()}")
    return executor


def _pieces(text: str | Text, numeric: bool) -> tuple[int, int]:
    """Narrowest and widest a cell can be: a number or an English word is never split; Chinese may be."""
    lines = str(text).split("\n")
    widest = max(cell_len(line) for line in lines)
    if numeric:
        return widest, widest
    words = [w for line in lines for w in line.split()]
    return max([cell_len(w) if cell_len(w) == len(w) else 2 for w in words], default=1), widest


def _grid(
    title: str,
    headers: Sequence[str],
    rows: Sequence[Sequence[str | Text]],
    width: int,
    numeric: Collection[int] = (),
    caption: str | None = None,
) -> Table:
    """A table that wraps rather than cuts, so it reads on an 80-column terminal and when piped.

    Column widths are set here, not left to rich, so that every column gets room for its longest
    unbreakable word or number before any column gets more; the rest goes to the text columns.
    """
    table = Table(title=title, caption=caption, title_justify="left", caption_justify="left", box=box.SIMPLE_HEAD)
    lo, fit, flat = [], [], []  # narrowest; widest cell; widest cell or header on one line
    for i, header in enumerate(headers):
        cells = [_pieces(row[i], i in numeric) for row in rows]
        lo.append(max([c[0] for c in cells] + [_pieces(header, False)[0]]))
        fit.append(max([c[1] for c in cells], default=1))
        flat.append(max(fit[-1], cell_len(header)))
    widths = [max(a, b) if i in numeric else a for i, (a, b) in enumerate(zip(lo, fit, strict=True))]
    spare = width - (3 * len(headers) + 1) - sum(widths)
    for target in (fit, flat):  # first no cell wraps, then no header
        while spare > 0 and any(w < t for w, t in zip(widths, target, strict=True)):
            for i, t in enumerate(target):
                if spare > 0 and widths[i] < t:
                    widths[i] += 1
                    spare -= 1
    for i, header in enumerate(headers):
        table.add_column(header, justify="right" if i in numeric else "left", overflow="fold", width=widths[i])
    for row in rows:
        table.add_row(*row)
    return table


@app.command()
def validate(model: ModelArg = None) -> None:
    """Check a factory model; print one line per problem and exit 2 if there are any. 校验工厂模型。"""
    factory = _load(model)
    _out().print(
        f"OK: {factory.name} — {len(factory.stations)} stations, {len(factory.products)} products, "
        f"{sum(s.machines for s in factory.stations)} machines"
    )


@app.command()
def models() -> None:
    """List the shipped reference plants and tier presets. 列出内置参考工厂与梯度预设。"""
    rows = []
    for name in model_names():
        f = load_model(name)
        rows.append((name, f.name_zh or "", f.description.splitlines()[0] if f.description else ""))
    out = _out()
    out.print(_grid("Models 模型", ("name", "名称", "description 说明"), rows, out.width))


PlantOpt = Annotated[
    str | None,
    typer.Option(
        "--plant",
        help="Price the catalogue for this plant and say which investments fit it.",
        show_default=DEFAULT_MODEL,
        metavar="MODEL",
    ),
]


@app.command()
def investments(plant: PlantOpt = None, as_json: JsonOpt = False) -> None:
    """The investment catalogue priced for a plant: which fit it, and why the others do not.
    投资目录：按工厂规模计价，并说明哪些适用、哪些不适用及原因。"""
    factory = _load(plant)
    report = fit_report(factory, load_catalogue())
    stations = factory.model_dump(by_alias=True, exclude_none=True)["stations"]
    if as_json:
        items = [
            {
                "id": f.investment.id,
                "tier": f.investment.tier,
                "fits": f.fits,
                "why_not": f.why_not,
                "capex_cny": f.capex_cny,
                "opex_cny_per_year": f.opex_cny_per_year,
                "tax_class": f.investment.tax_class,
                "life_years": f.investment.life_years,
                "useful_life_years": f.investment.economic_life_years,
                "headcount_delta": headcount_on(f.investment, stations),
            }
            for f in report
        ]
        sys.stdout.write(json.dumps({"plant": factory.name, "investments": items}, indent=2) + "\n")
        return
    rows = [
        (
            f.investment.id,
            "\n".join(
                [
                    f.investment.name_en,
                    f.investment.name_zh,
                    *([f"needs 前置: {', '.join(f.investment.prerequisites)}"] if f.investment.prerequisites else []),
                    *(
                        [f"people/shift 人员: {_headcount(headcount_on(f.investment, stations))}"]
                        if f.investment.headcount_delta
                        else []
                    ),
                ]
            ),
            f"{f.investment.tier}\n{TIER_ZH[f.investment.tier]}",
            f"{f.capex_cny:,.0f}",
            f"{f.opex_cny_per_year:,.0f}",
        )
        for f in report
        if f.fits
    ]
    headers = ("id", "name 名称", "tier 梯度", "capex 投资", "opex/yr 年运维")
    out = _out()
    title = f"Investments that fit {factory.name} 适用投资 (CNY, priced for this plant)"
    out.print(_grid(title, headers, rows, out.width, numeric={3, 4}))
    misfits = [f for f in report if not f.fits]
    if misfits:
        out.print(f"Do not fit {factory.name} 不适用:")
        for f in misfits:
            out.print(Text(f"  {f.investment.id}: {f.why_not}"))


THRESHOLD_KIND = {"published": "published\n已公布", "our reading": "our reading\n本工具解读"}
"""How each criterion's threshold is known, as the assess table prints it."""


def _declared(p: Profile) -> str:
    """The enterprise facts the model declares, and which it leaves out."""

    def say(value: object) -> str:
        return "not declared 未声明" if value is None else {True: "yes", False: "no"}.get(value, str(value))

    return (
        f"CMMM level {say(p.cmmm_level)}; 规上 above scale {say(p.above_scale)}; "
        f"sound finances 财务 {say(p.finances_sound_years)} years; "
        f"safety/environment record 安全环保 {say(p.safety_environment_record)}; "
        f"key technology secure 安全可控 {say(p.secure_key_technology)}; "
        f"organisation and talent 组织人才 {say(p.organisation_talent)}"
    )


def _closers(gap: Gap) -> str:
    """Investments that close a gap alone, else the smallest set that closes it together, else how to close it."""

    def with_needs(inv_id: str) -> str:
        needs = gap.needs.get(inv_id)
        return f"{inv_id} (needs 需 {', '.join(needs)})" if needs else inv_id

    if gap.closed_by:
        return ", ".join(map(with_needs, gap.closed_by))
    if gap.combination:
        return " + ".join(map(with_needs, gap.combination)) + " (together 组合)"
    if gap.declarable:
        return "declare it in the model 在模型中声明"
    return "nothing in the catalogue that fits 目录中无适用投资"


def _headcount(delta: dict[str, int | list[int]]) -> str:
    """``machinists -2`` or ``logistics -1/0``: the change per pool, one number or one per shift."""
    show = lambda d: "/".join(f"{x:+d}" for x in d) if isinstance(d, list) else f"{d:+d}"  # noqa: E731
    return ", ".join(f"{pool} {show(d)}" for pool, d in delta.items())


@app.command("assess")
def assess_cmd(model: ModelArg = None, as_json: JsonOpt = False) -> None:
    """Tier the plant meets today and the gap to the next tier (indicative). 梯度自评与差距分析（参考）。"""
    factory = _load(model)
    rubric = load_rubric()
    result = assess(factory, rubric, load_catalogue())
    if as_json:
        sys.stdout.write(json.dumps(result.to_dict(), indent=2, ensure_ascii=False) + "\n")
        return
    out = _out()
    out.print(f"{factory.name}: meets {result.tier} {TIER_ZH[result.tier]} (indicative self-assessment 参考自评)")
    systems = ", ".join(f"{name} {SYSTEMS_ZH[name]}" for name in result.profile.systems) or "none 无"
    out.print(f"systems 系统: {systems}; networked machines 联网率 {result.profile.networked_share:.0%}")
    out.print(f"declared 声明: {_declared(result.profile)}")
    ai = ", ".join(result.profile.ai_applications) or "none 无"
    out.print(
        f"typical scenarios 典型场景: {len(result.profile.scenarios)} of 40, "
        f"{len(result.profile.declared_scenarios)} declared; AI 人工智能: {ai}"
    )
    rows = [
        (
            f"{c.id}\n{c.name_en}\n{c.name_zh}",
            f"{c.tier} {TIER_ZH[c.tier]}\n{ELEMENT_EN.get(c.element, '')} {c.element}".strip(),
            THRESHOLD_KIND[c.threshold],
            Text("yes 是", style="green") if result.passed[c.id] else Text("no 否", style="red"),
        )
        for c in rubric.criteria
    ]
    headers = ("criterion 指标", "tier, element 梯度、要素", "threshold 阈值", "met 达到")
    out.print(_grid("Criteria 评价项", headers, rows, out.width))
    if result.next_tier:
        rows = [(g.criterion.id, g.missing, _closers(g)) for g in result.gaps]
        title = f"Gap to {result.next_tier} {TIER_ZH[result.next_tier]} 差距"
        caption = "Each investment with the prerequisites it still needs. 含尚缺的前置投资。"
        headers = ("criterion 指标", "missing 缺少", "closed by 可由以下投资补齐")
        out.print(_grid(title, headers, rows, out.width, caption=caption))
    rows = [(c.id, c.source) for c in rubric.criteria]
    out.print(_grid("Sources 依据", ("criterion 指标", "source 来源"), rows, out.width))
    out.print(rubric.note, style="dim")


def _warmup(value: str | None) -> str | float | None:
    if value is None or value == "auto":
        return value
    try:
        return float(value)
    except ValueError:
        raise typer.BadParameter(f"found {value!r}; expected 'auto' or minutes", param_hint="--warmup") from None


def _time_unit(minutes: float, shortest: str = "min") -> tuple[float, str]:
    """Divisor and unit for a time as planners read it: days beyond three days, else hours (or minutes
    below two hours, where ``shortest`` allows)."""
    if minutes >= 3 * 1440:
        return 1440.0, "d"
    if minutes >= 120 or shortest == "h":
        return 60.0, "h"
    return 1.0, "min"


def _display_unit(unit: str, magnitude: float) -> tuple[float, str]:
    """Divisor and printed unit of a KPI row; one per row, so its mean and CI read in the same unit."""
    if unit == "ratio":
        return 0.01, "%"
    if unit == "min":  # lead and flow times: planners think in hours and days
        return _time_unit(magnitude, shortest="h")
    if unit in ("CNY", "CNY/week") and magnitude >= 1000:  # WIP and scrap value: thousands keep the table narrow
        return 1000.0, f"k{unit}"
    return 1.0, unit


def _num(value: float | None, divisor: float, digits: int = 1) -> str:
    return "—" if value is None else f"{value / divisor:,.{digits}f}"


def _digits(magnitude: float, divisor: float) -> int:
    """Decimals for a row: two for small plain quantities (0.54 units/operator-h), else one."""
    return 2 if divisor == 1.0 and magnitude < 100 else 1


CAPACITY_ROWS = (("Capacity (saturated) 产能上限", "units/h"), ("Headroom 产能余量", "units/h"))
"""Rows ``--capacity`` adds after throughput: the saturated run's throughput and its paired excess over demand."""


def _kpi_table(columns: Sequence[tuple[str, SimulationResult]], width: int, capacity: Sequence[Estimate] = ()) -> Table:
    """Plant KPIs, one mean and CI per result column; each row's unit fits all its columns.

    ``capacity`` (maximum sustainable throughput and headroom, one column) goes after throughput."""
    first = columns[0][1]
    title = (
        f"{first.model}: {len(first.replications)} replications × {first.horizon_min / 1440:g} days, "
        f"warm-up {first.warmup_min / 60:.1f} h"
    )
    caption = (
        "Availability 可用率 (ISO 22400) counts starved and blocked time as lost: "
        "a station waiting for work or for space is not available for production."
    )
    headers = ["KPI 指标"]
    for label, _ in columns:
        headers += [f"{label} mean 均值".strip(), f"{label} 95% CI 置信区间".strip()]
    rows = []
    for name, info in PLANT_KPIS.items():
        rows.append(_estimate_row(f"{info.en} {info.zh}", info.unit, [result.kpis[name] for _, result in columns]))
        if name == "throughput_per_h":
            rows += [_estimate_row(label, unit, [e]) for (label, unit), e in zip(CAPACITY_ROWS, capacity, strict=False)]
    return _grid(title, (*headers, "unit 单位"), rows, width, numeric=range(1, len(headers)), caption=caption)


def _estimate_row(label: str, unit: str, estimates: Sequence[Estimate]) -> tuple[str, ...]:
    """A KPI row: the label, each estimate's mean and CI in one display unit, and the unit."""
    magnitude = max((abs(e.mean) for e in estimates if e.mean is not None), default=0)
    divisor, shown = _display_unit(unit, magnitude)
    digits = _digits(magnitude, divisor)
    cells = [label]
    for e in estimates:
        ci = "—" if e.lo is None or e.hi is None else f"{_num(e.lo, divisor, digits)} to {_num(e.hi, divisor, digits)}"
        cells += [_num(e.mean, divisor, digits), ci]
    return (*cells, shown)


STATION_OEE = (("oee", "OEE"), ("availability", "A 可用率"), ("effectiveness", "E 性能"), ("quality_ratio", "Q 质量"))
STATION_TIME = (
    ("utilisation", "util 利用"),
    ("setup_share", "setup 换型"),
    ("down_share", "down 故障"),
    ("blocked_share", "blocked 堵塞"),
    ("starved_share", "starved 缺料"),
    ("waiting_operator_share", "wait op 等人"),
)


def _station_tables(
    result: SimulationResult, factory: Factory, width: int, capacity_top: str | None = None
) -> tuple[Table, Table]:
    """Station OEE and queues, and where each station's planned busy time goes; names in English and Chinese.

    ``*`` marks the bottleneck at today's orders, ``†`` where capacity runs out (:func:`capacity_bottleneck`):
    in a demand-bound plant they can differ (a furnace's long batches make long active periods at any load)."""
    names_zh = {s.name: getattr(s, "name_zh", None) for s in factory.stations}
    waits = [kp["queue_wait_min"].mean or 0.0 for kp in result.stations.values()]
    divisor, wait_unit = _time_unit(max(waits, default=0.0))
    oee_rows, time_rows = [], []
    for name, kp in result.stations.items():
        marks = (" *" if name == result.bottleneck else "") + (" †" if name == capacity_top else "")
        label = f"{name}{marks} {names_zh.get(name) or ''}".strip()
        queue = (_num(kp["queue_len"].mean, 1.0, 2), _num(kp["queue_wait_min"].mean, divisor))
        oee_rows.append((label, *(_num(kp[k].mean, 0.01) for k, _ in STATION_OEE), *queue))
        free = _num(kp["starved_machine_h_per_week"].mean, 1.0, 1)
        time_rows.append((label, *(_num(kp[k].mean, 0.01) for k, _ in STATION_TIME), free))
    oee = _grid(
        "Stations 工序: OEE (%) and queues 队列 (means)",
        ("station 工序", *(f"{h} %" for _, h in STATION_OEE), "queue 队列 units", f"wait 排队 {wait_unit}"),
        oee_rows,
        width,
        numeric=range(1, 7),
        caption="* bottleneck 瓶颈 (longest mean active period at today's orders)"
        + (
            "; † capacity bottleneck 产能瓶颈 (least often starved or blocked in the saturated run)"
            if capacity_top
            else ""
        )
        + ". A 可用率 counts starved and blocked time as lost (ISO 22400).",
    )
    time = _grid(
        "Stations 工序: share of planned busy time 计划运行时间占比 (%, means)",
        ("station 工序", *(f"{h} %" for _, h in STATION_TIME), "free 空闲 h/wk"),
        time_rows,
        width,
        numeric=range(1, 8),
        caption="free 空闲: machine-hours a week with no unit to work on (starved), capacity more orders could use",
    )
    return oee, time


def _change_table(comparison: Comparison, width: int, saturated: tuple[int, int] | None = None) -> Table:
    """Before/after ``--with``: both means and the paired 95% CI of the change (same orders, same window).

    The bottleneck's OEE is shown for the station that was the bottleneck before, in both columns, and
    for the new bottleneck if the investments moved it: a bottleneck OEE of two different stations
    compares nothing.
    """
    before, after = comparison.results[:2]
    title = (
        f"{after.model}: before 投资前 and after 投资后, {len(after.replications)} paired replications × "
        f"{after.horizon_min / 1440:g} days, one warm-up of {after.warmup_min / 60:.1f} h"
    )
    keys = [(k, f"{info.en} {info.zh}", info.unit) for k, info in PLANT_KPIS.items() if k != "bottleneck_oee"]
    stations = dict.fromkeys((before.bottleneck, after.bottleneck))
    keys += [(f"{st}.oee", f"{st} OEE{' (bottleneck before 原瓶颈)' if st == before.bottleneck else ''}", "ratio")
             for st in stations]  # fmt: skip
    pairs = [(key, label, unit, 0, 1) for key, label, unit in keys]
    if saturated is not None:  # the saturated runs of before and after, read the same way
        at = next(i for i, (k, *_) in enumerate(pairs) if k == "throughput_per_h") + 1
        pairs.insert(at, ("throughput_per_h", CAPACITY_ROWS[0][0], "units/h", *saturated))
    rows = []
    for key, label, unit, i0, i1 in pairs:
        b, a = (comparison.results[i].values(key) for i in (i0, i1))
        means = [float(np.nanmean(v)) if not all(map(math.isnan, v)) else None for v in (b, a)]
        change = comparison.delta(key, i1, i0)
        magnitude = max((abs(m) for m in means if m is not None), default=0)
        divisor, shown = _display_unit(unit, magnitude)
        digits = _digits(magnitude, divisor)
        ci = (
            "—"
            if change.lo is None or change.hi is None
            else f"{_num(change.lo, divisor, digits)} to {_num(change.hi, divisor, digits)}"
        )
        rows.append((label, *(_num(m, divisor, digits) for m in means), _num(change.mean, divisor, digits), ci, shown))
    caption = (
        "change 变化 = after − before, replication by replication (common random numbers); "
        "an interval that excludes 0 is a change the runs can tell from noise."
    )
    headers = ("KPI 指标", "before 前", "after 后", "change 变化", "95% CI 置信区间", "unit 单位")
    return _grid(title, headers, rows, width, numeric=range(1, 5), caption=caption)


def _print_result(
    result: SimulationResult,
    factory: Factory,
    capacity: Sequence[Estimate] = (),
    capacity_top: str | None = None,
) -> None:
    """The tables of ``twin simulate``; the KPI table takes further result columns (e.g. before/after)."""
    out = _out()
    out.print(_kpi_table([("", result)], out.width, capacity))
    for table in _station_tables(result, factory, out.width, capacity_top):
        out.print(table)


def _enc(e: Estimate) -> dict:
    def num(x: float | None) -> float | None:
        return None if x is None or math.isnan(x) else round(float(x), 10)

    return {"mean": num(e.mean), "ci95": [num(e.lo), num(e.hi)]}


def result_of(comparison: Comparison, saturated: int) -> Estimate:
    """Maximum sustainable throughput: the throughput of a saturated run."""
    return comparison.results[saturated].kpis["throughput_per_h"]


def _capacity_json(comparison: Comparison, demand_bound: int, saturated: int) -> dict:
    """``capacity`` in the JSON: maximum sustainable throughput and its paired excess over the demand-bound run."""
    top = result_of(comparison, saturated)
    return {
        "max_throughput_per_h": {**_enc(top), "unit": "units/h"},
        "headroom_per_h": {**_enc(comparison.delta("throughput_per_h", saturated, demand_bound)), "unit": "units/h"},
        "bottleneck": capacity_bottleneck(comparison.results[saturated]),
    }


def _option_error(exc: OptionError, given: dict[str, object], model: str | None) -> typer.Exit:
    """One line for an option that does not fit: the flag if given, else the model's ``run:`` field."""
    option = exc.option
    if option is None:
        _say(f"twin simulate: {exc}")
    elif given.get(option) is not None:
        _say(f"twin simulate: --{option}: {exc}")
    else:
        field = {"reps": "replications"}.get(option, option)
        days = given.get("days")
        context = f" (with --days {days:g})" if option == "warmup" and days is not None else ""
        _say(f"{model or DEFAULT_MODEL}: run.{field}: {exc}{context}")
    return typer.Exit(EXIT_INPUT)


def _model_files(model: str | None) -> list[Path]:
    """The input file a result must never overwrite (none for a shipped name)."""
    return [Path(model).expanduser()] if model is not None and Path(model).expanduser().is_file() else []


@app.command("simulate")
def simulate_cmd(
    model: ModelArg = None,
    reps: Annotated[
        int | None, typer.Option("--reps", help="Replications.", show_default="the model's run: replications")
    ] = None,
    days: Annotated[
        float | None,
        typer.Option("--days", help="Simulated days per replication (up to 3650).", show_default="the model's run:"),
    ] = None,
    warmup: Annotated[
        str | None,
        typer.Option(
            "--warmup",
            help="'auto' (whole calendar weeks chosen by MSER on weekly means; crossing of the mean without a "
            "calendar) or minutes.",
            show_default="the model's run:",
            metavar="MIN",
        ),
    ] = None,
    seed: SeedOpt = 1,
    jobs: Annotated[
        int,
        typer.Option(
            "--jobs", help="Parallel worker processes or local Dask workers (capped at the cores and ~120 MB each)."
        ),
    ] = 1,
    executor: ExecutorOpt = None,
    scheduler: SchedulerOpt = None,
    with_: Annotated[
        str | None,
        typer.Option(
            "--with", help="Comma-separated catalogue investment ids to apply (see twin investments).", metavar="IDS"
        ),
    ] = None,
    with_capacity: Annotated[
        bool,
        typer.Option(
            "--capacity",
            help="Also run the plant saturated (orders x3 as a backlog, released under CONWIP) on the same warm-up "
            "and random numbers, and show its maximum sustainable throughput and the headroom over demand.",
        ),
    ] = False,
    as_json: JsonOpt = False,
    out_file: Annotated[
        str | None,
        typer.Option(
            "--out",
            help="Also write the JSON result to this file (atomically; a symlink is followed to its target; "
            "a folder, FIFO, device or the model itself is refused).",
            metavar="FILE",
        ),
    ] = None,
) -> None:
    """Simulate a plant and print its KPIs with 95% confidence intervals. 仿真并输出KPI。"""
    if seed < 0:
        raise typer.BadParameter(f"found {seed}; expected a whole number >= 0", param_hint="--seed")
    given = {"reps": reps, "days": days, "warmup": warmup, "jobs": jobs}
    warmup_value = _warmup(warmup)
    factory = _load(model)
    protect = _model_files(model)
    if out_file is not None:
        try:
            check_writable(out_file, protect)
        except OutputError as exc:
            raise typer.BadParameter(str(exc), param_hint="--out") from None
    plant: Factory | Scenario = factory
    if with_:
        ids = [i.strip() for i in with_.split(",") if i.strip()]
        have = [i for i in ids if i in factory.investments]
        if have:
            raise typer.BadParameter(
                f"{', '.join(have)} already in {factory.name} (applied again it would change nothing); expected "
                "investments the plant does not have yet",
                param_hint="--with",
            )
        ordered = order_investments(load_catalogue(), ids, factory.investments)
        plant = Scenario(factory, tuple(ordered))
        plant.for_replication(seed, 0)  # a patch that does not fit fails here, before any run
    variants: list[Factory | Scenario | Saturated] = [factory, plant] if with_ else [factory]
    n = len(variants)
    if with_capacity:
        variants += [Saturated(v) for v in variants]
    if jobs < 1:
        raise typer.BadParameter(f"found {jobs}; expected a whole number of worker processes >= 1", param_hint="--jobs")
    progress = RunProgress(f"twin simulate {factory.name}", err)
    try:
        with _executor("twin simulate", executor, jobs, scheduler) as runner:
            comparison = compare(
                variants, days=days, reps=reps, warmup=warmup_value, seed=seed, progress=progress, executor=runner
            )
    except OptionError as exc:
        raise _option_error(exc, given, model) from None
    finally:
        progress.close()
    result = comparison.results[n - 1]
    for warning in dict.fromkeys(w for r in comparison.results[:n] for w in r.warnings):
        _say(f"warning: {warning}")
    body = result.to_dict()
    if with_capacity:
        body["capacity"] = _capacity_json(comparison, n - 1, n)
    if with_:
        before = comparison.results[0]
        body["baseline"] = before.to_dict()
        body["delta_vs_baseline"] = {k: _enc(e) for k, e in comparison.deltas(1, 0).items()}
        if with_capacity:
            body["baseline"]["capacity"] = _capacity_json(comparison, 0, n + 1)
            body["delta_vs_baseline"]["max_throughput_per_h"] = _enc(comparison.delta("throughput_per_h", 2 * n - 1, n))
    document = json.dumps(body, indent=2, ensure_ascii=False) + "\n"
    if as_json:
        sys.stdout.write(document)
    elif with_:
        out = _out()
        out.print(_change_table(comparison, out.width, (n, 2 * n - 1) if with_capacity else None))
        top = capacity_bottleneck(comparison.results[2 * n - 1]) if with_capacity else None
        for table in _station_tables(result, factory, out.width, top):
            out.print(table)
    else:
        capacity = (result_of(comparison, n), comparison.delta("throughput_per_h", n, 0)) if with_capacity else ()
        _print_result(result, factory, capacity, capacity_bottleneck(comparison.results[n]) if with_capacity else None)
    sys.stdout.flush()
    if out_file is not None:
        made = not Path(os.path.realpath(Path(out_file).expanduser())).parent.exists()
        try:
            written = write_atomic(out_file, document, protect)
        except OutputError as exc:
            _say(f"twin simulate: --out: {exc}; the result above was not saved")
            raise typer.Exit(EXIT_NOT_SAVED) from None
        _say(f"twin simulate: wrote {written}" + (f" (made the folder {written.parent})" if made else ""))


COMPARE_KPIS = (
    "throughput_per_h",
    "lead_time_min",
    "on_time_rate",
    "oee",
    "oee_loaded",
    "wip",
    "scrap_rate",
    "energy_kwh_per_unit",
    "labour_productivity",
    "unit_cost_cny",
)
"""KPIs shown per stage in the terminal (all are in ``--json`` and the report)."""
TORNADO_ROWS = 10
WORDS = {
    "path": ("Path", "路径"),
    "tiers": ("Tiers", "梯度"),
    "capex": ("Capex", "投资"),
    "npv": ("NPV", "净现值"),
    "p": ("P>0", "为正概率"),
    "irr": ("IRR", "内部收益率"),
    "payback": ("Payback", "回收期"),
    "none": ("none", "无"),
    "never": ("beyond", "超出期限"),
    "today": ("today", "现状"),
    "year": ("year", "第{}年"),
    "tornado": ("Sensitivity of the best path's expected NPV (tornado)", "最优路径净现值敏感性（龙卷风图）"),
    "assumption": ("Assumption", "假设"),
    "low": ("at low", "取低值"),
    "high": ("at high", "取高值"),
    "best": ("Best path", "最优路径"),
}


def _w(key: str, lang: str) -> str:
    return WORDS[key][lang == "zh"]


def _tier_name(tier: str, lang: str) -> str:
    return TIER_ZH.get(tier, tier) if lang == "zh" else tier


def _tier_short(tier: str, lang: str) -> str:
    """A tier name short enough for a column header."""
    short = {"basic": "basic", "advanced": "adv.", "excellent": "exc.", "leading": "lead."}
    return TIER_ZH.get(tier, tier) if lang == "zh" else short.get(tier, tier)


def _expected(est: dict, fmt: Callable[[float], str], none: str, n: int, lang: str) -> str:
    """The figure of the expected cash flows, or the word for its absence, and in how many replications
    there is none."""
    text = fmt(est["expected"]) if est.get("expected") is not None else _w(none, lang)
    k = est.get("n_undefined") or 0
    return text + (f"\n({k}/{n} {_w(none, lang)})" if k else "")


def _print_compare(doc: dict, lang: str) -> None:
    from twin.report.labels import selection_statement, tornado_label  # the report's words, loaded when printed

    out = _out()
    zh = lang == "zh"
    out.print(
        f"{doc['model']}: {_tier_name(doc['baseline']['tier'], lang)} {_w('today', lang)}; "
        f"seed {doc['seed']}, {doc['replications']}+ replications of {doc['days']:g} days "
        f"(warm-up {doc['warmup_min'] / 1440:g} d), horizon {doc['horizon_years']} years"
    )
    rows = []
    for name, p in doc["paths"].items():
        steps, last = [], doc["baseline"]["tier"]
        for e in p["tier_timeline"]:
            if e["tier"] != last:
                steps.append(f"y{e['year']}:{_tier_short(e['tier'], lang)}")
                last = e["tier"]
        npv, irr_, payback, n = p["npv_cny"], p["irr"], p["payback_years"], p["replications"]
        lo, hi = npv["ci95"]
        rows.append(
            (
                f"{name}\n{p['name_zh'] if zh else p['name_en']}",
                "\n".join(steps) or "—",
                f"{p['capex_cny'] / 1e6:,.1f}",
                f"{npv['mean'] / 1e6:,.2f}" + (f"\n[{lo / 1e6:,.1f}, {hi / 1e6:,.1f}]" if lo is not None else ""),
                f"{p['p_npv_positive'] * 100:.0f}%" if p["p_npv_positive"] is not None else "—",
                _expected(irr_, lambda x: f"{x * 100:.1f}%", "none", n, lang),
                _expected(payback, lambda x: f"{x:.1f}", "never", n, lang),
            )
        )  # fmt: skip
    headers = [_w(k, lang) for k in ("path", "tiers", "capex", "npv", "p", "irr", "payback")]
    note = (
        "Capex and NPV in M CNY, payback in years: the change against doing nothing, after tax; NPV: mean over "
        "replications [95% CI]; IRR and payback: of the mean cash flows (k/n: replications with none, or "
        "none within the horizon); tiers: y1:adv. = advanced from year 1. "
        "投资与净现值单位：百万元；内部收益率与回收期按平均现金流计算。"
    )
    out.print(_grid("Upgrade paths vs doing nothing 升级路径对比", headers, rows, out.width, numeric={2, 3, 4, 5, 6},
                    caption=note))  # fmt: skip
    for name, p in doc["paths"].items():
        headers = ["KPI", _w("today", lang)] + [
            f"y{s['year']} {_tier_short(s['tier'], lang)}" + (" (sat.)" if s["saturated"] else "") for s in p["stages"]
        ]
        rows = []
        for kpi in COMPARE_KPIS:
            info = PLANT_KPIS[kpi]
            base = doc["baseline"]["kpis"][kpi]
            div, unit = _display_unit(info.unit, abs(base["mean"] or 0))
            digits = _digits(abs(base["mean"] or 0), div)
            cells = [_num(base["mean"], div, digits)]
            for s in p["stages"]:
                d = s["delta_vs_baseline"][kpi]
                lo, hi = d["ci95"]
                sure = lo is not None and hi is not None and (lo > 0 or hi < 0)
                sign = _num(d["mean"], div, digits) if d["mean"] is not None else "—"
                cells.append(("+" if (d["mean"] or 0) > 0 else "") + sign + ("" if sure else "~"))
            label = info.zh if zh else info.en
            rows.append((f"{label.strip()} {unit}", *cells))
        title = f"{name}: {p['name_zh'] if zh else p['name_en']} — change vs today at today's demand (~: CI spans 0)"
        out.print(_grid(title, headers, rows, out.width, numeric=set(range(1, len(headers)))))
    if doc["tornado"]:
        rows = [
            (
                tornado_label(t, lang),
                f"{t['low']:g} … {t['high']:g}",
                f"{t['npv_low']:,.0f}",
                f"{t['npv_high']:,.0f}",
            )
            for t in doc["tornado"][:TORNADO_ROWS]
        ]
        headers = [_w("assumption", lang), "range", _w("low", lang), _w("high", lang)]
        more = len(doc["tornado"]) - TORNADO_ROWS
        caption = f"{more} narrower rows in --json and the report. " if more > 0 else ""
        if not any(t["assumption"] == "demand_growth" for t in doc["tornado"]):
            caption += "Demand growth: add --tornado-demand, or value a growth with --growth."
        title = _w("tornado", lang) + f": {doc['best_path']}"
        out.print(_grid(title, headers, rows, out.width, numeric={2, 3}, caption=caption))
    out.print(f"{_w('best', lang)}: {doc['best_path']}. {selection_statement(doc, lang)}")


@app.command("compare")
def compare_cmd(
    model: ModelArg = None,
    paths_file: Annotated[
        str | None,
        typer.Option("--paths", help="Upgrade paths YAML.", show_default="scenarios/paths.yaml", metavar="FILE"),
    ] = None,
    path_names: Annotated[
        list[str] | None, typer.Option("--path", help="Only this path (repeat for several).", metavar="NAME")
    ] = None,
    years: Annotated[
        int | None, typer.Option("--years", help="Horizon in years (1-30).", show_default="finance: 10")
    ] = None,
    rate: Annotated[
        float | None, typer.Option("--rate", help="Discount rate, e.g. 0.08.", show_default="finance: 0.08")
    ] = None,
    growth: Annotated[
        float | None,
        typer.Option("--growth", help="Demand growth per year, e.g. 0.03.", show_default="finance: 0"),
    ] = None,
    reps: Annotated[int, typer.Option("--reps", help="Replications per plant state to start with (>= 3).")] = 5,
    delta: Annotated[
        float | None,
        typer.Option(
            "--delta",
            help="Indifference zone of the selection in CNY: paths closer than this in expected NPV count as equal.",
            show_default="5% of the paths' mean capex",
        ),
    ] = None,
    max_reps: Annotated[
        int, typer.Option("--max-reps", help="Replication budget of the ranking and selection per path.")
    ] = 7,
    days: Annotated[float, typer.Option("--days", help="Simulated days per replication.")] = 21.0,
    warmup_days: Annotated[
        float, typer.Option("--warmup-days", help="Warm-up cut from every run, in days (one window for all).")
    ] = 7.0,
    seed: SeedOpt = 1,
    jobs: Annotated[
        int | None,
        typer.Option("--jobs", help="Parallel worker processes or local Dask workers.", show_default="all cores"),
    ] = None,
    executor: ExecutorOpt = None,
    scheduler: SchedulerOpt = None,
    no_tornado: Annotated[bool, typer.Option("--no-tornado", help="Skip the sensitivity (tornado) view.")] = False,
    tornado_demand: Annotated[
        bool,
        typer.Option(
            "--tornado-demand",
            help="Add demand growth to the tornado: simulates the best path and the baseline at two more demand "
            "levels (about 20-30 s more on 2 cores).",
        ),
    ] = False,
    tornado_effects: Annotated[
        bool,
        typer.Option(
            "--tornado-effects",
            help="Add each uncertain investment's effect (5th/95th percentile) to the tornado: simulates the best "
            "path's states again per investment (minutes).",
        ),
    ] = False,
    as_json: JsonOpt = False,
    report: Annotated[
        str | None,
        typer.Option(
            "--report", help="Also write an HTML report and an Excel workbook into this folder.", metavar="DIR"
        ),
    ] = None,
    lang: Annotated[str, typer.Option("--lang", help="Labels: en or zh.")] = "en",
) -> None:
    """Compare upgrade paths against doing nothing: KPIs, tiers, NPV/IRR/payback, the best path. 升级路径对比。"""
    from twin.plan.compare import MONEY_ONLY, compare_paths
    from twin.plan.paths import load_paths
    from twin.plan.study import PathStudy

    if lang not in ("en", "zh"):
        raise typer.BadParameter(f"found {lang!r}; expected en or zh", param_hint="--lang")
    for value, name, low in ((reps, "--reps", 3), (max_reps, "--max-reps", 3), (seed, "--seed", 0)):
        if value < low:
            raise typer.BadParameter(f"found {value}; expected a whole number >= {low}", param_hint=name)
    if not 0 <= warmup_days < days:
        raise typer.BadParameter(f"found {warmup_days:g}; expected 0 <= days of warm-up < --days {days:g}",
                                 param_hint="--warmup-days")  # fmt: skip
    if delta is not None and not delta > 0:
        raise typer.BadParameter(f"found {delta:g}; expected an amount of CNY > 0", param_hint="--delta")
    if rate is not None and not 0 <= rate < 1:
        raise typer.BadParameter(f"found {rate:g}; expected a yearly fraction in [0, 1)", param_hint="--rate")
    if growth is not None and not -0.5 < growth < 1:
        raise typer.BadParameter(f"found {growth:g}; expected a yearly fraction in (-0.5, 1)", param_hint="--growth")
    if years is not None and not 1 <= years <= 30:
        raise typer.BadParameter(f"found {years}; expected 1 to 30", param_hint="--years")
    factory = _load(model)
    catalogue = load_catalogue()
    paths, finance = load_paths(paths_file, factory, catalogue, horizon_years=years)
    if path_names:
        known = [p.name for p in paths]
        unknown = [n for n in path_names if n not in known]
        if unknown:
            raise typer.BadParameter(f"found {', '.join(unknown)}; expected one of {', '.join(known)}",
                                     param_hint="--path")  # fmt: skip
        paths = [p for p in paths if p.name in path_names]
    if years is not None:
        finance = finance.model_copy(update={"horizon_years": years})
    if rate is not None:
        finance = finance.model_copy(update={"discount_rate": _widened(finance.discount_rate, rate)})
    if growth is not None:
        finance = finance.model_copy(update={"demand_growth": _widened(finance.demand_growth, growth)})
    if report is not None:
        from twin.report import check_report_folder

        try:
            check_report_folder(report)
        except OutputError as exc:
            raise typer.BadParameter(str(exc), param_hint="--report") from None
    if jobs is not None and jobs < 1:
        raise typer.BadParameter(f"found {jobs}; expected a whole number of worker processes >= 1", param_hint="--jobs")
    bars: dict[str, RunProgress] = {}

    def progress(label: str, fraction: float) -> None:
        bars.setdefault(label, RunProgress(f"twin compare: {label}", err))(fraction)

    names = (*MONEY_ONLY, "demand_growth") if tornado_demand else MONEY_ONLY
    try:
        with _executor("twin compare", executor, jobs or (os.cpu_count() or 1), scheduler) as runner:
            study = PathStudy(factory, paths, finance, catalogue, days=days, warmup_min=warmup_days * 1440,
                              seed=seed, progress=progress, executor=runner)  # fmt: skip
            doc = compare_paths(
                study,
                reps=reps,
                max_reps=max_reps,
                delta_cny=delta,
                with_tornado=not no_tornado,
                tornado_names=names,
                tornado_effects=tornado_effects,
            )
    finally:
        for bar in bars.values():
            bar.close()
    saturated = [f"{n} y{s['year']}" for n, p in doc["paths"].items() for s in p["stages"] if s["saturated"]]
    if saturated:
        _say("warning: demand exceeds what these plant states can make; they sell their capacity: "
             + ", ".join(saturated))  # fmt: skip
    if as_json:
        sys.stdout.write(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    else:
        _print_compare(doc, lang)
    sys.stdout.flush()
    if report is not None:
        from twin.report import write_report

        try:
            written = write_report(doc, report, lang)
        except OutputError as exc:
            _say(f"twin compare: --report: {exc}; the result above was not saved")
            raise typer.Exit(EXIT_NOT_SAVED) from None
        _say("twin compare: wrote " + ", ".join(str(p) for p in written))


def _widened(a, value: float):
    """An assumption set to ``value`` from the command line, its range widened to hold it."""
    low = None if a.low is None else min(a.low, value)
    high = None if a.high is None else max(a.high, value)
    return a.model_copy(update={"value": value, "low": low, "high": high, "source": f"command line (was: {a.source})"})


def _check_listen(host: str, port: int) -> None:
    """One line and exit 2 for an address the dashboard could not listen on, before Streamlit starts and
    prints a traceback for it. Checked by binding, as Streamlit will (a small race with another program
    taking the port in between is left to Streamlit's own message)."""
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (socket.gaierror, UnicodeError) as exc:
        raise typer.BadParameter(f"found {host!r}, which is not an address of this computer ({exc})",
                                 param_hint="--host") from None  # fmt: skip
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            busy = exc.errno == errno.EADDRINUSE
            what = "in use by another program" if busy else exc.strerror
            raise typer.BadParameter(
                f"cannot listen on {host}:{port}: {what}; give another --port or --host",
                param_hint="--port" if busy else "--host",
            ) from None


@app.command("dashboard")
def dashboard_cmd(
    host: Annotated[str, typer.Option("--host", help="Address to listen on (127.0.0.1: this computer only).")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8501,
) -> None:
    """Open the dashboard: plant, tier, upgrade planner, money, path comparison, training. 仪表盘。"""
    import importlib.util
    import subprocess

    from twin.spec import data_dir

    if not 1 <= port <= 65535:
        raise typer.BadParameter(f"found {port}; expected a port from 1 to 65535", param_hint="--port")
    if importlib.util.find_spec("streamlit") is None:
        _say("twin dashboard: streamlit is not installed; expected it from: pip install 'tier-twin[dashboard]'")
        raise typer.Exit(EXIT_INPUT)
    script = data_dir("dashboard") / "app.py"
    command = [sys.executable, "-m", "streamlit", "run", str(script), "--server.address", host,
               "--server.port", str(port), "--browser.gatherUsageStats", "false",
               "--client.toolbarMode", "viewer"]  # fmt: skip
    _check_listen(host, port)
    _say(f"twin dashboard: http://{host}:{port} (Ctrl-C to stop)")
    raise typer.Exit(subprocess.call(command))


if __name__ == "__main__":
    app()
