"""Running one workbook: inputs checked, the notebook executed with papermill, the run published.

:func:`run_workbook` goes in steps: plan (parameters and data checked, nothing written),
open a temporary folder, execute, render ``report.html``, print ``report.pdf``, publish.
Every check of the user's input happens in the plan, before any kernel starts.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from improve import paths
from improve.data.read import SQL_SOURCE_REFUSED, is_dataset, looks_like_sql
from improve.errors import DataError, SpecError, WorkbookError
from improve.runner.inputs import input_check
from improve.runner.parameters import (
    PATH_SUFFIXES,
    check_parameters,
    resolve_input,
    resolve_path_parameters,
)
from improve.runner.plain_data import python_literal
from improve.runner.publish.fingerprint import run_fingerprint, unchanged
from improve.runner.publish.folders import (
    atomic_replace,
    keep_failed,
    open_temporary,
    output_errors,
    written_files,
)
from improve.runner.publish.index import write_index
from improve.runner.publish.local_paths import LocalFolders, parent_folders
from improve.runner.publish.manifest import (
    build_manifest,
    dataset_record,
    input_record,
    now_utc,
    write_manifest,
)
from improve.runner.publish.pdf import html_to_pdf, resolve_pdf
from improve.runner.ranges import check_ranges
from improve.runner.registry import (
    RESERVED,
    Workbook,
    get_workbook,
    parse_parameters,
    read_notebook,
)
from improve.runner.run_ids import MAX_RUN_ID, check_run_id

Progress = Callable[[str], None]

#: OS errors caused by the machine, not the workbook (disk full, no permission, read-only
#: file system): a run that meets one is an :class:`~improve.errors.OutputError` (exit 2).
ENVIRONMENT_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EACCES, errno.EPERM, errno.EROFS})


@dataclass(frozen=True)
class RunResult:
    """Where a run landed and how it went."""

    run_id: str
    folder: Path
    status: str
    seconds: float
    error: str | None = None


@dataclass(frozen=True)
class RunPlan:
    """A run whose inputs have been checked: what to execute, with what, and where to."""

    workbook: Workbook
    parameters: dict[str, Any]
    injected: dict[str, Any]
    inputs: list[dict[str, Any]]
    data_name: str
    map_name: str
    run_id: str
    reports: Path
    started: str
    make_pdf: bool

    @property
    def final(self) -> Path:
        """The folder of the published run."""
        return self.reports / self.run_id

    @property
    def failed(self) -> Path:
        """The folder a failed run is kept in."""
        return self.reports / f"{self.run_id}.failed"

    def local_folders(self, tmp: Path) -> LocalFolders:
        """The folders of this run that no published file may show."""
        files = [
            value
            for name, value in self.injected.items()
            if isinstance(value, str) and (name in RESERVED or name.endswith(PATH_SUFFIXES))
        ]
        return LocalFolders.of_run(
            tmp,
            self.final,
            self.failed,
            *parent_folders(files),
            self.workbook.path.parent,
            self.reports,
            paths.project_root(),
            Path.cwd(),
        )


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "data"


def _input_paths(
    wb: Workbook, data: str | Path | None, columns: str | Path | None
) -> tuple[Path, Path | None]:
    """The data and column-map paths: the user's, else the workbook's defaults."""
    nb_dir = wb.path.parent
    if looks_like_sql(data):
        raise DataError(SQL_SOURCE_REFUSED)
    data_path = resolve_input(data, Path.cwd()) or resolve_input(
        wb.parameters["data_path"].default, nb_dir
    )
    map_path = (
        resolve_input(columns, Path.cwd())
        if columns
        else resolve_input(wb.parameters["column_map"].default, nb_dir)
    )
    if data_path is None:
        raise SpecError(f"workbook '{wb.name}' needs data: pass --data PATH")
    if map_path is not None and not map_path.exists():
        raise SpecError(f"column map '{map_path}' does not exist; check --columns")
    return data_path, map_path


def _run_id(wb: Workbook, data_path: Path, run_id: str | None, reports: Path) -> str:
    stem = str(data_path).split("/")[-1] if is_dataset(data_path) else Path(data_path).stem
    run_id = f"{wb.name}-{_slug(stem)}"[:MAX_RUN_ID] if run_id is None else run_id
    check_run_id(run_id, reports)
    return run_id


def plan_run(
    workbook: str | Workbook,
    data: str | Path | None = None,
    *,
    columns: str | Path | None = None,
    params: Mapping[str, Any] | None = None,
    out: str | Path | None = None,
    run_id: str | None = None,
    progress: Progress | None = None,
    pdf: bool | None = None,
) -> RunPlan:
    """Check a run's parameters and data without writing anything or starting a kernel.

    Parameters are as for :func:`run_workbook`.

    Raises
    ------
    improve.errors.SpecError, improve.errors.DataError
        Bad parameters, a combination the data cannot honour, or bad data.
    improve.runner.publish.pdf.PdfUnavailableError
        ``pdf=True`` and no Chromium is installed.
    """
    say = progress or (lambda _msg: None)
    started = now_utc()
    wb = workbook if isinstance(workbook, Workbook) else get_workbook(workbook)
    reports = Path(out).resolve() if out else paths.reports_dir()
    if run_id is not None:
        check_run_id(run_id, reports)
    missing = [r for r in RESERVED if r not in wb.parameters]
    if missing:
        raise SpecError(
            f"workbook '{wb.name}' does not declare {', '.join(missing)} in its parameters"
        )
    user = {k: v for k, v in (params or {}).items() if k not in RESERVED}
    user = resolve_path_parameters(check_parameters(wb, user, notice=progress))
    check_ranges(wb.name, user)
    make_pdf = resolve_pdf(pdf, say)
    data_path, map_path = _input_paths(wb, data, columns)

    data_name = str(data_path) if is_dataset(data_path) else Path(data_path).name
    say(f"validating {data_name}" + (f" with {map_path.name}" if map_path else ""))
    effective = {name: p.default for name, p in wb.parameters.items()} | user
    say(input_check(wb.input_kind)(data_path, map_path, effective))
    injected = dict(user, data_path=str(data_path), column_map=str(map_path or ""))
    inputs = [dataset_record(str(data_path)) if is_dataset(data_path) else input_record(data_path)]
    inputs += [input_record(map_path)] if map_path else []
    effective.pop("output_dir", None)
    return RunPlan(
        workbook=wb,
        parameters=effective | injected,
        injected=injected,
        inputs=inputs,
        data_name=data_name,
        map_name=map_path.name if map_path else "(none)",
        run_id=_run_id(wb, data_path, run_id, reports),
        reports=reports,
        started=started,
        make_pdf=make_pdf,
    )


def _kernel_manager_class() -> type:
    """A kernel manager that always starts this interpreter's ipykernel."""
    from jupyter_client.kernelspec import KernelSpec
    from jupyter_client.manager import AsyncKernelManager

    class SameEnvironmentKernelManager(AsyncKernelManager):
        @property
        def kernel_spec(self) -> KernelSpec:  # type: ignore[override]
            return KernelSpec(
                argv=[
                    sys.executable,
                    "-m",
                    "ipykernel_launcher",
                    "-f",
                    "{connection_file}",
                    "--IPKernelApp.log_level=ERROR",
                ],
                display_name=f"Python ({sys.executable})",
                language="python",
            )

    return SameEnvironmentKernelManager


@contextlib.contextmanager
def improve_parameter_translator() -> Iterator[None]:
    """Let papermill read and write the parameters cell the runner's way while inside.

    Reading: papermill's Python translator finds parameters with a regular expression whose
    annotation part allows no quotes, so it misses every ``name: Literal["a", "b"] = ...``
    and warns "Passed unknown parameter" for each one the runner injects. The runner has
    already checked every injected name against the cell (:func:`parse_parameters` reads
    it with :mod:`ast`), so papermill is given that reading instead.

    Writing: papermill builds the injected cell by pasting text together (a string inside
    a tuple or a mapping key reaches the cell unescaped), so the injected cell is written
    here instead: one ``name = literal`` line per parameter, the literal from
    :func:`improve.runner.plain_data.python_literal` (plain data only, read back with
    :func:`ast.literal_eval` before it is used).
    """
    from papermill.models import Parameter as PapermillParameter
    from papermill.translators import PythonTranslator, papermill_translators

    class ImprovePythonTranslator(PythonTranslator):
        @classmethod
        def inspect(cls, parameters_cell: Any) -> list[PapermillParameter]:
            return [
                PapermillParameter(
                    name=p.name, inferred_type_name=p.type, default=repr(p.default), help=p.help
                )
                for p in parse_parameters(parameters_cell["source"]).values()
            ]

        @classmethod
        def codify(cls, parameters: Mapping[str, Any], comment: str = "Parameters") -> str:
            lines = [cls.comment(comment)]
            for name, value in parameters.items():
                if not str(name).isidentifier():
                    raise SpecError(f"parameter name {name!r} is not a Python name")
                lines.append(f"{name} = {python_literal(value)}")
            return "\n".join(lines) + "\n"

    before = papermill_translators.find_translator("python", "python")
    papermill_translators.register("python", ImprovePythonTranslator)
    try:
        yield
    finally:
        papermill_translators.register("python", before)


def _execute(plan: RunPlan, tmp: Path, progress_bar: bool, timeout: int) -> str | None:
    """Execute the workbook into ``tmp``; the error line, or ``None`` when every cell ran."""
    import papermill as pm  # imported here: bad input fails earlier without this cost

    wb = plan.workbook
    try:
        with improve_parameter_translator():
            pm.execute_notebook(
                str(wb.path),
                str(tmp / f"{wb.name}.ipynb"),
                parameters=dict(plan.injected, output_dir=str(tmp)),
                cwd=str(wb.path.parent),
                progress_bar=progress_bar,
                kernel_manager_class=_kernel_manager_class(),
                execution_timeout=timeout,
                log_output=False,
            )
    except pm.PapermillExecutionError as exc:
        evalue = str(exc.evalue).strip().splitlines()[0] if str(exc.evalue).strip() else ""
        code = re.match(r"\[Errno (\d+)\]", evalue)
        if code and int(code.group(1)) in ENVIRONMENT_ERRNOS:  # a cell could not write
            raise OSError(int(code.group(1)), os.strerror(int(code.group(1)))) from None
        return f"cell {exc.exec_count} failed: {exc.ename}: {evalue}"
    except OSError as exc:
        if exc.errno in ENVIRONMENT_ERRNOS:
            raise
        return f"{type(exc).__name__}: {exc}"
    except Exception as exc:  # kernel died, timeout, ...
        text = str(exc).strip()
        return f"{type(exc).__name__}: {text.splitlines()[0] if text else ''}"
    return None


#: Files of a run folder that are text and may quote a path.
_TEXT_OUTPUTS = (".ipynb", ".json", ".csv", ".md", ".tex", ".svg", ".html", ".txt")


def _remove_local_folders(plan: RunPlan, tmp: Path) -> None:
    """Rewrite the run's text files without the local folders (:mod:`.local_paths`).

    The executed notebook holds the injected absolute paths and papermill's record of
    them; a cell's output may quote a path. The report is rendered from the result.
    """
    folders = plan.local_folders(tmp)
    for path in sorted(tmp.rglob("*")):
        if path.suffix.lower() not in _TEXT_OUTPUTS or not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        cleaned = folders.text(text)
        if cleaned != text:
            path.write_text(cleaned, encoding="utf-8")


def _render(plan: RunPlan, tmp: Path) -> str | None:
    """Write ``report.html`` from the executed notebook; the error line, or ``None``."""
    from improve.runner.publish.export import notebook_to_html

    wb = plan.workbook
    run_info = {
        "Data": plan.data_name,
        "Column map": plan.map_name,
        "Workbook": wb.name,
        "Run started (UTC)": plan.started,
    }
    try:
        html_text = notebook_to_html(tmp / f"{wb.name}.ipynb", title=wb.title, run_info=run_info)
        (tmp / "report.html").write_text(html_text, encoding="utf-8")
    except OSError as exc:
        if exc.errno in ENVIRONMENT_ERRNOS:
            raise
        return f"rendering the report failed: {type(exc).__name__}: {exc}"
    except Exception as exc:
        return f"rendering the report failed: {type(exc).__name__}: {exc}"
    return None


def _print_pdf(
    plan: RunPlan, tmp: Path, required: bool, timeout: float, say: Progress
) -> str | None:
    """Print ``report.pdf`` inside ``tmp`` (published with it or not at all).

    A failed print is the run's error when the PDF was required, otherwise a warning line.
    """
    say("printing report.pdf")
    clock = time.monotonic()
    try:
        html_to_pdf(tmp / "report.html", tmp / "report.pdf", timeout=timeout, created=plan.started)
    except Exception as exc:  # Chromium failures must not lose the analysis
        (tmp / "report.pdf").unlink(missing_ok=True)
        if required:
            return f"printing report.pdf failed: {exc}"
        say(f"warning: report.pdf skipped: {exc}")
        return None
    say(f"report.pdf printed in {time.monotonic() - clock:.1f} s")
    return None


def _publish(
    plan: RunPlan, tmp: Path, error: str | None, fingerprint: str, update_index: bool
) -> Path:
    """Write the manifest and move ``tmp`` to the run's folder (or its ``.failed`` folder)."""
    if error is not None:
        for name in ("report.html", "report.pdf"):
            (tmp / name).unlink(missing_ok=True)
    manifest = build_manifest(
        run_id=plan.run_id,
        workbook=plan.workbook.name,
        workbook_path=plan.workbook.path,
        parameters=plan.parameters,
        inputs=plan.inputs,
        started=plan.started,
        finished=now_utc(),
        status="complete" if error is None else "failed",
        project_root=paths.project_root(),
        error=error,
        outputs=written_files(tmp),
    )
    manifest = plan.local_folders(tmp).scrub(manifest)
    manifest["fingerprint"] = fingerprint
    with output_errors(plan.reports, cleanup=tmp):
        write_manifest(tmp, manifest)
        if error is None:
            atomic_replace(tmp, plan.final)
        else:
            keep_failed(tmp, plan.failed)
        if update_index:
            write_index(plan.reports)
    return plan.final if error is None else plan.failed


def run_workbook(
    workbook: str | Workbook,
    data: str | Path | None = None,
    *,
    columns: str | Path | None = None,
    params: Mapping[str, Any] | None = None,
    out: str | Path | None = None,
    run_id: str | None = None,
    progress: Progress | None = None,
    progress_bar: bool = False,
    timeout: int = 3600,
    update_index: bool = True,
    skip_unchanged: bool = False,
    pdf: bool | None = None,
    pdf_timeout: float = 120.0,
) -> RunResult:
    """Validate inputs, execute a workbook with papermill and publish its run folder.

    Parameters
    ----------
    workbook : str or Workbook
        Name in ``notebooks/`` (e.g. ``"panel_profile"``) or a path to a notebook.
    data : path, optional
        Data file; defaults to the workbook's ``data_path`` default (the demo data).
    columns : path, optional
        Column map YAML; defaults to the workbook's ``column_map`` default.
    params : mapping, optional
        Other parameters (checked against the workbook's declared types and the data; old
        names of renamed parameters are accepted with a notice).
    out : path, optional
        Reports folder (default ``reports/``); the run lands in ``out/<run_id>/``.
    run_id : str, optional
        Folder name; default ``<workbook>-<data file stem>``.
    progress : callable, optional
        Receives one-line progress messages.
    progress_bar : bool
        Show papermill's per-cell progress bar.
    timeout : int
        Seconds allowed per cell.
    update_index : bool
        Rebuild ``index.html`` in the reports folder afterwards.
    skip_unchanged : bool
        Do not rerun when ``out/<run_id>/`` is a complete run of the same workbook,
        parameters, input contents and code (its manifest fingerprint matches).
    pdf : bool, optional
        Also print ``report.pdf`` with headless Chromium (:mod:`improve.runner.publish.pdf`).
        ``None`` (default): when Chromium is installed; otherwise one warning line and no
        PDF, and a failed print is a warning too. ``True``: a missing Chromium raises
        :class:`~improve.runner.publish.pdf.PdfUnavailableError` before anything runs, and a
        failed print fails the run. ``False``: no PDF.
    pdf_timeout : float
        Seconds allowed for printing the PDF.

    Returns
    -------
    RunResult

    Raises
    ------
    improve.errors.SpecError, improve.errors.DataError
        Bad parameters or data, found before any kernel starts.
    improve.runner.publish.pdf.PdfUnavailableError
        ``pdf=True`` and no Chromium is installed (an :class:`OutputError`, exit code 2).
    improve.errors.WorkbookError
        The notebook failed; its executed copy is kept in ``<run_id>.failed/``.
    """
    say = progress or (lambda _msg: None)
    clock = time.monotonic()
    plan = plan_run(
        workbook,
        data,
        columns=columns,
        params=params,
        out=out,
        run_id=run_id,
        progress=progress,
        pdf=pdf,
    )
    wb = plan.workbook
    fingerprint = run_fingerprint(wb.path, plan.parameters, plan.inputs)
    wants_missing_pdf = pdf is True and not (plan.final / "report.pdf").exists()
    if skip_unchanged and not wants_missing_pdf and unchanged(plan.final, fingerprint):
        say(f"unchanged since the last run: kept {plan.final}")
        return RunResult(plan.run_id, plan.final, "skipped", time.monotonic() - clock)

    tmp = open_temporary(plan.reports, plan.run_id)
    try:  # disk full or permission denied: exit 2; on any failure no temporary folder stays
        with output_errors(plan.reports, cleanup=tmp):
            say(f"running {wb.name} ({len(read_notebook(wb.path)['cells'])} cells)")
            error = _execute(plan, tmp, progress_bar, timeout)
            _remove_local_folders(plan, tmp)
            if error is None:
                say("rendering report.html")
                error = _render(plan, tmp)
            if error is None and plan.make_pdf:
                error = _print_pdf(plan, tmp, bool(pdf), pdf_timeout, say)
            folder = _publish(plan, tmp, error, fingerprint, update_index)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    seconds = time.monotonic() - clock
    if error is not None:
        raise WorkbookError(
            f"workbook '{wb.name}' {error} (executed notebook kept in {plan.failed})"
        )
    say(f"done in {seconds:.1f} s: {folder}")
    return RunResult(plan.run_id, folder, "complete", seconds)
