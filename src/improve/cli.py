"""The ``improve`` command line.

Exit codes: 0 success; 2 bad input or parameters (one-line message, no traceback unless
``--debug``); 1 anything else (a workbook failed, or an unexpected error).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import click

from improve import paths
from improve.errors import ImproveError, SpecError

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2


def _pdf_option(func: Any) -> Any:
    return click.option(
        "--pdf/--no-pdf",
        default=None,
        help="Also print report.pdf with headless Chromium (default: when Chromium is "
        "installed; --pdf makes a missing Chromium an error).",
    )(func)


def _say(message: str) -> None:
    stamp = time.strftime("%H:%M:%S")
    click.echo(f"[{stamp}] {message}", err=True)


def _parse_params(pairs: tuple[str, ...], params_file: str | None) -> dict[str, Any]:
    from improve.runner import parse_cli_value, read_params_file

    values: dict[str, Any] = read_params_file(params_file) if params_file else {}
    for pair in pairs:
        if "=" not in pair:
            raise SpecError(
                f"parameter '{pair}' must be written name=value (e.g. -p min_cell_size=10)"
            )
        name, text = pair.split("=", 1)
        values[name.strip()] = parse_cli_value(text)
    return values


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show full tracebacks.")
@click.version_option(package_name="improve")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """improve: evaluation workbooks for K-12 programs, from a data file to a report."""
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug


@cli.command("list")
def list_command() -> None:
    """List the workbooks and what each answers."""
    from improve.runner import list_workbooks

    for wb in list_workbooks():
        click.echo(f"{wb.name:<24} {wb.title}")
        if wb.description:
            click.echo(f"{'':<24} {wb.description}")


@cli.command("params")
@click.argument("workbook")
def params_command(workbook: str) -> None:
    """Show a workbook's parameters: type, default and comment."""
    from improve.runner import describe_parameters, get_workbook

    click.echo(describe_parameters(get_workbook(workbook)))


@cli.command("validate")
@click.argument("data")
@click.option("--columns", "-c", type=str, help="Column map (YAML) for the file.")
@click.option("--sheet", type=str, help="Excel sheet to read.")
def validate_command(data: str, columns: str | None, sheet: str | None) -> None:
    """Load DATA with a column map and print the load report (exit 0 ok, 2 problems)."""
    from improve.data import load_panel

    panel = load_panel(data, columns=columns, sheet=sheet)
    click.echo(panel.report.to_text())


@cli.command("run")
@click.argument("workbook")
@click.option("--data", "-d", type=str, help="Data file (default: the demo data).")
@click.option("--columns", "-c", type=str, help="Column map (YAML) for the data file.")
@click.option(
    "-p",
    "--param",
    "param_pairs",
    multiple=True,
    metavar="NAME=VALUE",
    help="Workbook parameter (repeatable).",
)
@click.option("--params-file", type=str, help="YAML file of parameters.")
@click.option("--out", "-o", type=str, help="Reports folder (default: reports/).")
@click.option("--run-id", type=str, help="Run folder name (default: WORKBOOK-DATASTEM).")
@click.option(
    "--engine",
    type=click.Choice(["memory", "duckdb", "spark"]),
    help="Keep the panel in DuckDB or Spark and build the report from aggregates "
    "(workbooks with an 'engine' parameter; default: memory).",
)
@_pdf_option
def run_command(
    workbook: str,
    data: str | None,
    columns: str | None,
    param_pairs: tuple[str, ...],
    params_file: str | None,
    out: str | None,
    run_id: str | None,
    engine: str | None,
    pdf: bool | None,
) -> None:
    """Run WORKBOOK on a data file and write reports/<run-id>/."""
    from improve.runner import run_workbook

    values = _parse_params(param_pairs, params_file)
    if engine is not None:
        values["engine"] = engine
    result = run_workbook(
        workbook,
        data,
        columns=columns,
        params=values,
        out=out,
        run_id=run_id,
        progress=_say,
        progress_bar=sys.stderr.isatty(),
        pdf=pdf,
    )
    click.echo(str(result.folder / "report.html"))


def _run_many(
    runs: list[dict[str, Any]],
    out: str | None,
    skip_unchanged: bool = False,
    pdf: bool | None = None,
) -> None:
    from improve.runner import build

    outcomes = build(runs, out=out, progress=_say, skip_unchanged=skip_unchanged, pdf=pdf)
    failed = [o for o in outcomes if isinstance(o, Exception)]
    reports = Path(out).resolve() if out else paths.reports_dir()
    click.echo(
        f"{len(outcomes) - len(failed)} of {len(outcomes)} runs complete; "
        f"index: {reports / 'index.html'}"
    )
    if failed:
        for exc in failed:
            click.echo(f"failed: {exc}", err=True)
        sys.exit(EXIT_FAILED)


@cli.command("build")
@click.argument("config", required=False)
@click.option("--out", "-o", type=str, help="Reports folder (default: reports/).")
@click.option(
    "--skip-unchanged",
    is_flag=True,
    help="Keep runs whose workbook, parameters, inputs and code have not changed.",
)
@_pdf_option
def build_command(
    config: str | None, out: str | None, skip_unchanged: bool, pdf: bool | None
) -> None:
    """Run every analysis in CONFIG (default reports.yaml), then rebuild reports/index.html.

    --pdf/--no-pdf overrides each run's `pdf:` entry in CONFIG.
    """
    from improve.runner import read_build_config

    path = Path(config) if config else paths.project_root() / "reports.yaml"
    _run_many(read_build_config(path), out, skip_unchanged=skip_unchanged, pdf=pdf)


@cli.command("demo")
@click.option("--out", "-o", type=str, help="Reports folder (default: reports/).")
@_pdf_option
def demo_command(out: str | None, pdf: bool | None) -> None:
    """Run every workbook on the shipped demo data and write reports/index.html."""
    from improve.runner import demo_runs

    _run_many(demo_runs(), out, pdf=pdf)


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the CLI, turning known errors into one-line messages and exit codes."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    try:
        cli.main(args=args, prog_name="improve", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return EXIT_FAILED
    except click.ClickException as exc:
        exc.show()
        return EXIT_BAD_INPUT if exc.exit_code == 2 else exc.exit_code
    except ImproveError as exc:
        if debug:
            raise
        click.echo(f"error: {exc}", err=True)
        return exc.exit_code
    except SystemExit as exc:
        return int(exc.code or 0)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        return 130
    except Exception as exc:
        if debug:
            raise
        click.echo(
            f"unexpected error ({type(exc).__name__}): {exc}; rerun with --debug for details",
            err=True,
        )
        return EXIT_FAILED
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
