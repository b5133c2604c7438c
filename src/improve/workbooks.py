"""The workbook registry and runner: parameters checked, data validated, then papermill.

A workbook is a notebook in ``notebooks/`` with a cell tagged ``parameters``. Three
parameters are reserved and injected by the runner: ``data_path``, ``column_map`` and
``output_dir``. Paths in a workbook's defaults are relative to the notebook's folder (as
JupyterLab runs them); the runner executes with that folder as the working directory.
"""

from __future__ import annotations

import ast
import contextlib
import difflib
import errno
import hashlib
import io
import json
import os
import re
import shutil
import sys
import time
import tokenize
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from improve import paths
from improve.data.read import is_dataset
from improve.errors import DataError, ImproveError, OutputError, SpecError, WorkbookError
from improve.report.index import write_index
from improve.report.manifest import build_manifest, dataset_record, input_record, now_utc
from improve.report.outputs import write_json
from improve.report.pdf import PdfUnavailableError, html_to_pdf, pdf_unavailable_reason

RESERVED = ("data_path", "column_map", "output_dir")
#: Parameters whose values must name columns of the loaded panel.
COLUMN_PARAMETERS = ("outcome", "outcomes", "covariates", "cluster")

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Parameter:
    """One workbook parameter as declared in its ``parameters`` cell."""

    name: str
    type: str
    default: Any
    help: str


@dataclass(frozen=True)
class Workbook:
    """A notebook the runner can execute."""

    name: str
    path: Path
    title: str
    description: str
    parameters: dict[str, Parameter] = field(default_factory=dict)


def _read_notebook(path: Path) -> dict[str, Any]:
    """A notebook's JSON with each cell's source as one string.

    Plain JSON rather than nbformat: listing workbooks and checking parameters stays fast
    (nbformat's schema validation costs seconds at import), so bad input fails at once.
    """
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
        cells = nb["cells"]
        for cell in cells:
            if isinstance(cell.get("source"), list):
                cell["source"] = "".join(cell["source"])
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError):
        raise SpecError(
            f"workbook '{path}' is not a readable Jupyter notebook (.ipynb JSON); "
            "open and save it again in JupyterLab"
        ) from None
    return nb


def _parameters_cell(nb: Mapping[str, Any]) -> Mapping[str, Any] | None:
    for cell in nb["cells"]:
        tags = cell.get("metadata", {}).get("tags", [])
        if cell["cell_type"] == "code" and "parameters" in tags:
            return cell
    return None


def _comments_by_line(source: str) -> dict[int, str]:
    comments: dict[int, str] = {}
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type == tokenize.COMMENT:
                comments[tok.start[0]] = tok.string.lstrip("#").strip()
    except (tokenize.TokenError, IndentationError):
        pass
    return comments


def _parse_parameters(source: str) -> dict[str, Parameter]:
    """Read ``name: type = value  # help`` statements (a value may span several lines)."""
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise SpecError(f"the parameters cell is not valid Python (line {exc.lineno})") from None
    comments = _comments_by_line(source)
    params: dict[str, Parameter] = {}
    for node in tree.body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            name = node.target.id
            annotation = ast.get_source_segment(source, node.annotation)
            value = node.value
        elif (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
        ):
            name, annotation, value = node.targets[0].id, None, node.value
        else:
            continue
        if value is None:
            continue
        try:
            default = ast.literal_eval(value)
        except ValueError:
            default = ast.get_source_segment(source, value)
        end = node.end_lineno or node.lineno
        help_text = " ".join(
            comments[line] for line in range(node.lineno, end + 1) if line in comments
        )
        params[name] = Parameter(
            name=name,
            type=(annotation or type(default).__name__).strip(),
            default=default,
            help=help_text,
        )
    return params


def _title_and_description(nb: Mapping[str, Any], fallback: str) -> tuple[str, str]:
    for cell in nb["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        lines = [ln.strip() for ln in cell["source"].splitlines() if ln.strip()]
        if not lines:
            continue
        title = lines[0].lstrip("#").strip()
        description = next((ln for ln in lines[1:] if not ln.startswith("#")), "")
        return title, description
    return fallback, ""


def load_workbook(path: Path) -> Workbook:
    """Read a workbook's title, description and parameters."""
    nb = _read_notebook(path)
    cell = _parameters_cell(nb)
    if cell is None:
        raise SpecError(f"workbook '{path.name}' has no cell tagged 'parameters'")
    title, description = _title_and_description(nb, path.stem)
    return Workbook(
        name=path.stem,
        path=path,
        title=title,
        description=description,
        parameters=_parse_parameters(cell["source"]),
    )


def list_workbooks(folder: Path | None = None) -> list[Workbook]:
    """Every workbook in ``notebooks/`` (sorted by name)."""
    folder = folder or paths.notebooks_dir()
    return [load_workbook(p) for p in sorted(folder.glob("*.ipynb"))]


def get_workbook(name: str, folder: Path | None = None) -> Workbook:
    """Find a workbook by name (with or without ``.ipynb``) or by path."""
    candidate = Path(name)
    if candidate.suffix == ".ipynb" and candidate.exists():
        return load_workbook(candidate.resolve())
    folder = folder or paths.notebooks_dir()
    stem = candidate.stem if candidate.suffix == ".ipynb" else name
    path = folder / f"{stem}.ipynb"
    if path.exists():
        return load_workbook(path)
    names = [p.stem for p in sorted(folder.glob("*.ipynb"))]
    close = difflib.get_close_matches(stem, names, n=1)
    hint = f"did you mean '{close[0]}'? " if close else ""
    raise SpecError(f"no workbook named '{name}'; {hint}available: {', '.join(names) or 'none'}")


# -- parameters -------------------------------------------------------------------------
def parse_cli_value(text: str) -> Any:
    """Turn ``-p name=value`` text into a Python value (YAML rules: 3, 0.5, true, [a, b])."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return text


def _literal_choices(type_name: str) -> list[Any]:
    inner = type_name[len("Literal[") : -1]
    try:
        parsed = ast.literal_eval(f"[{inner}]")
    except Exception:
        return []
    return list(parsed)


def _coerce(param: Parameter, value: Any) -> Any:
    type_name = param.type.replace(" ", "")
    optional = "None" in type_name or "Optional" in type_name
    base = re.sub(r"\|?None\|?|Optional\[|\]$", "", type_name) if optional else type_name
    if value is None:
        if optional:
            return None
        raise SpecError(f"parameter '{param.name}' needs a {param.type} value, got nothing")
    bad = SpecError(
        f"parameter '{param.name}' must be {param.type} (default {param.default!r}), "
        f"got {value!r} ({type(value).__name__})"
    )
    if base.startswith("Literal["):
        choices = _literal_choices(base)
        if value not in choices:
            shown = " or ".join(repr(c) for c in choices)
            close = difflib.get_close_matches(str(value), [str(c) for c in choices], n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise SpecError(f"parameter '{param.name}' must be {shown}, got {value!r}{hint}")
        return value
    if base == "bool":
        if isinstance(value, bool):
            return value
        raise bad
    if base == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, float) and value.is_integer():
                return int(value)
            raise bad
        return value
    if base == "float":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise bad
        return float(value)
    if base == "str":
        if isinstance(value, bool | list | dict):
            raise bad
        return str(value)
    if base.startswith("list"):
        if isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        if not isinstance(value, list):
            raise bad
        if "str" in base:
            value = [str(v) for v in value]
        return value
    if base.startswith("dict"):
        if not isinstance(value, dict):
            raise bad
        return value
    return value


def check_parameters(workbook: Workbook, values: Mapping[str, Any]) -> dict[str, Any]:
    """Validate names and types of user parameters; return the coerced values."""
    checked: dict[str, Any] = {}
    for name, value in values.items():
        if name not in workbook.parameters:
            names = list(workbook.parameters)
            close = difflib.get_close_matches(name, names, n=1)
            hint = f"did you mean '{close[0]}'? " if close else ""
            raise SpecError(
                f"workbook '{workbook.name}' has no parameter '{name}'; {hint}"
                f"run 'improve params {workbook.name}' to list them"
            )
        checked[name] = _coerce(workbook.parameters[name], value)
    return checked


def read_params_file(path: str | Path) -> dict[str, Any]:
    """Parameters from a YAML file (a mapping of name: value)."""
    p = Path(path)
    if not p.exists():
        raise SpecError(f"parameters file '{p}' does not exist; check the path to --params-file")
    if p.is_dir():
        raise SpecError(f"parameters file '{p}' is a folder; give --params-file the YAML file")
    try:
        content = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError):
        raise SpecError(
            f"parameters file '{p}' is not valid YAML; write one 'name: value' per line"
        ) from None
    if not isinstance(content, dict):
        raise SpecError(
            f"parameters file '{p}' must hold 'name: value' lines (e.g. min_cell_size: 10)"
        )
    return content


# -- running ----------------------------------------------------------------------------
@dataclass(frozen=True)
class RunResult:
    """Where a run landed and how it went."""

    run_id: str
    folder: Path
    status: str
    seconds: float
    error: str | None = None


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "data"


def _resolve(path: str | Path | None, base: Path) -> Path | None:
    if path in (None, ""):
        return None
    if is_dataset(path):
        return path  # type: ignore[return-value]  # a dataset reference, not a file
    p = Path(str(path)).expanduser()
    return p if p.is_absolute() else (base / p).resolve()


def _check_column_parameters(params: Mapping[str, Any], columns: list[str]) -> None:
    for name in COLUMN_PARAMETERS:
        if name not in params or params[name] in (None, "", []):
            continue
        value = params[name]
        wanted = list(value) if isinstance(value, list | dict) else [value]
        for col in wanted:
            if col not in columns:
                close = difflib.get_close_matches(str(col), columns, n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                raise SpecError(
                    f"parameter '{name}' names column '{col}', which is not in the data{hint}; "
                    f"mapped columns: {', '.join(columns[:15])}"
                )


PATH_SUFFIXES = ("_path", "_map", "_file")


def _resolve_path_parameters(values: dict[str, Any]) -> dict[str, Any]:
    """Make user-given file parameters absolute (from the user's folder) and check they exist."""
    out = dict(values)
    for name, value in values.items():
        if not name.endswith(PATH_SUFFIXES) or not isinstance(value, str) or not value:
            continue
        path = _resolve(value, Path.cwd())
        assert path is not None
        if not path.exists():
            raise SpecError(f"parameter '{name}': file '{value}' does not exist")
        out[name] = str(path)
    return out


def code_fingerprint() -> str:
    """SHA-256 over the installed ``improve`` package's source files (the code of a run)."""
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parent
    for path in sorted(package.rglob("*")):
        if path.is_file() and path.suffix in {".py", ".json", ".j2"}:
            digest.update(str(path.relative_to(package)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def run_fingerprint(wb: Workbook, parameters: Mapping[str, Any], inputs: list[dict]) -> str:
    """What makes two runs the same: workbook, parameters, input contents and code."""
    payload = {
        "workbook": hashlib.sha256(wb.path.read_bytes()).hexdigest(),
        "parameters": parameters,
        "inputs": [record.get("sha256") for record in inputs],
        "code": code_fingerprint(),
    }
    text = json.dumps(payload, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _unchanged(final: Path, fingerprint: str) -> bool:
    try:
        manifest = json.loads((final / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return False
    return manifest.get("status") == "complete" and manifest.get("fingerprint") == fingerprint


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
def _output_errors(reports: Path, cleanup: Path | None = None) -> Iterator[None]:
    """Turn a failure to write the reports folder into one clear :class:`OutputError`."""
    try:
        yield
    except OSError as exc:
        if cleanup is not None:
            shutil.rmtree(cleanup, ignore_errors=True)
        reason = exc.strerror or type(exc).__name__
        if exc.errno == errno.ENOSPC:
            fix = "free disk space or choose another folder with --out"
        else:
            fix = "choose a folder you can write to with --out"
        raise OutputError(f"cannot write reports to '{reports}': {reason}; {fix}") from None


def _remove_stale_temporaries(reports: Path, run_id: str) -> None:
    """Delete hidden folders left by runs of ``run_id`` that were killed mid-way."""
    for folder in reports.glob(f".tmp-{run_id}-*"):
        pid = folder.name.rsplit("-", 1)[-1]
        if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _atomic_replace(tmp: Path, final: Path) -> None:
    """Move ``tmp`` to ``final``, replacing an earlier run only once the new one is complete."""
    old = None
    if final.exists():
        old = final.with_name(f".old-{final.name}-{os.getpid()}")
        os.replace(final, old)
    os.replace(tmp, final)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


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
        Other parameters (checked against the workbook's declared types).
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
        Also print ``report.pdf`` with headless Chromium (:mod:`improve.report.pdf`).
        ``None`` (default): when Chromium is installed; otherwise one warning line and no
        PDF, and a failed print is a warning too. ``True``: a missing Chromium raises
        :class:`~improve.report.pdf.PdfUnavailableError` before anything runs, and a failed
        print fails the run. ``False``: no PDF.
    pdf_timeout : float
        Seconds allowed for printing the PDF.

    Returns
    -------
    RunResult

    Raises
    ------
    improve.errors.SpecError, improve.errors.DataError
        Bad parameters or data, found before any kernel starts.
    improve.report.pdf.PdfUnavailableError
        ``pdf=True`` and no Chromium is installed (an :class:`OutputError`, exit code 2).
    improve.errors.WorkbookError
        The notebook failed; its executed copy is kept in ``<run_id>.failed/``.
    """
    from improve.data import load_panel

    say = progress or (lambda _msg: None)
    started_clock = time.monotonic()
    started = now_utc()
    wb = workbook if isinstance(workbook, Workbook) else get_workbook(workbook)
    missing = [r for r in RESERVED if r not in wb.parameters]
    if missing:
        raise SpecError(
            f"workbook '{wb.name}' does not declare {', '.join(missing)} in its parameters"
        )
    user = check_parameters(wb, {k: v for k, v in (params or {}).items() if k not in RESERVED})
    user = _resolve_path_parameters(user)
    make_pdf = resolve_pdf(pdf, say)

    nb_dir = wb.path.parent
    data_path = _resolve(data, Path.cwd()) or _resolve(wb.parameters["data_path"].default, nb_dir)
    map_path = (
        _resolve(columns, Path.cwd())
        if columns
        else _resolve(wb.parameters["column_map"].default, nb_dir)
    )
    if data_path is None:
        raise SpecError(f"workbook '{wb.name}' needs data: pass --data PATH")
    if map_path is not None and not map_path.exists():
        raise SpecError(f"column map '{map_path}' does not exist; check --columns")

    data_name = str(data_path) if is_dataset(data_path) else Path(data_path).name
    say(f"validating {data_name}" + (f" with {map_path.name}" if map_path else ""))
    panel = load_panel(data_path, columns=map_path)
    effective = {name: p.default for name, p in wb.parameters.items()}
    effective.update(user)
    _check_column_parameters(effective, list(panel.data.columns))
    say(
        f"data ok: {panel.report.n_rows:,} rows, {panel.report.n_units:,} units, "
        f"{panel.report.n_periods} periods"
    )

    reports = Path(out).resolve() if out else paths.reports_dir()
    stem = str(data_path).split("/")[-1] if is_dataset(data_path) else Path(data_path).stem
    run_id = run_id or f"{wb.name}-{_slug(stem)}"
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.\-]*", run_id):
        raise SpecError(f"run id '{run_id}' must be letters, digits, '.', '_' or '-'")
    final = reports / run_id
    tmp = reports / f".tmp-{run_id}-{os.getpid()}"
    with _output_errors(reports):
        reports.mkdir(parents=True, exist_ok=True)
        _remove_stale_temporaries(reports, run_id)
        if tmp.exists():
            shutil.rmtree(tmp)
        tmp.mkdir(parents=True)
        (tmp / ".write-check").write_bytes(b"ok")
        (tmp / ".write-check").unlink()

    injected = dict(user)
    injected["data_path"] = str(data_path)
    injected["column_map"] = str(map_path) if map_path else ""
    injected["output_dir"] = str(tmp)
    inputs = [dataset_record(str(data_path)) if is_dataset(data_path) else input_record(data_path)]
    inputs += [input_record(map_path)] if map_path else []
    manifest_params = {k: v for k, v in effective.items() if k != "output_dir"}
    manifest_params.update({k: v for k, v in injected.items() if k != "output_dir"})

    fingerprint = run_fingerprint(wb, manifest_params, inputs)
    wants_missing_pdf = pdf is True and not (final / "report.pdf").exists()
    if skip_unchanged and not wants_missing_pdf and _unchanged(final, fingerprint):
        shutil.rmtree(tmp, ignore_errors=True)
        say(f"unchanged since the last run: kept {final}")
        return RunResult(run_id, final, "skipped", time.monotonic() - started_clock)

    executed = tmp / f"{wb.name}.ipynb"
    import papermill as pm  # imported here: bad input above fails without this cost

    say(f"running {wb.name} ({len(_read_notebook(wb.path)['cells'])} cells)")
    error: str | None = None
    try:
        pm.execute_notebook(
            str(wb.path),
            str(executed),
            parameters=injected,
            cwd=str(nb_dir),
            progress_bar=progress_bar,
            kernel_manager_class=_kernel_manager_class(),
            execution_timeout=timeout,
            log_output=False,
        )
    except pm.PapermillExecutionError as exc:
        evalue = str(exc.evalue).strip().splitlines()[0] if str(exc.evalue).strip() else ""
        error = f"cell {exc.exec_count} failed: {exc.ename}: {evalue}"
    except Exception as exc:  # kernel died, timeout, ...
        error = (
            f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"
        )

    if error is None:
        try:
            say("rendering report.html")
            from improve.report.export import notebook_to_html

            shown = {k: v for k, v in manifest_params.items() if k not in RESERVED}
            run_info = {
                "Data": data_name,
                "Column map": map_path.name if map_path else "(none)",
                "Workbook": wb.name,
                "Run started (UTC)": started,
                "Parameters": shown,
            }
            html_text = notebook_to_html(executed, title=wb.title, run_info=run_info)
            (tmp / "report.html").write_text(html_text, encoding="utf-8")
        except Exception as exc:
            error = f"rendering the report failed: {type(exc).__name__}: {exc}"

    if error is None and make_pdf:
        # printed inside the temporary folder: the run is published with its PDF or not at all
        say("printing report.pdf")
        pdf_clock = time.monotonic()
        try:
            html_to_pdf(
                tmp / "report.html", tmp / "report.pdf", timeout=pdf_timeout, created=started
            )
            say(f"report.pdf printed in {time.monotonic() - pdf_clock:.1f} s")
        except Exception as exc:  # Chromium failures must not lose the analysis
            (tmp / "report.pdf").unlink(missing_ok=True)
            if pdf:
                error = f"printing report.pdf failed: {exc}"
            else:
                say(f"warning: report.pdf skipped: {exc}")

    if error is not None:
        for name in ("report.html", "report.pdf"):
            (tmp / name).unlink(missing_ok=True)
    status = "complete" if error is None else "failed"
    manifest = build_manifest(
        run_id=run_id,
        workbook=wb.name,
        workbook_path=wb.path,
        parameters=manifest_params,
        inputs=inputs,
        started=started,
        finished=now_utc(),
        status=status,
        project_root=paths.project_root(),
        error=error,
        outputs=_outputs(tmp),
    )
    manifest["fingerprint"] = fingerprint
    seconds = time.monotonic() - started_clock
    failed = reports / f"{run_id}.failed"
    with _output_errors(reports, cleanup=tmp):
        write_json(tmp / "manifest.json", manifest)
        if error is None:
            _atomic_replace(tmp, final)
            say(f"done in {seconds:.1f} s: {final}")
            result = RunResult(run_id, final, status, seconds)
        else:
            if failed.exists():
                shutil.rmtree(failed)
            os.replace(tmp, failed)
            result = RunResult(run_id, failed, status, seconds, error)
        if update_index:
            write_index(reports)
    if error is not None:
        raise WorkbookError(f"workbook '{wb.name}' {error} (executed notebook kept in {failed})")
    return result


def resolve_pdf(pdf: bool | None, warn: Progress | None = None) -> bool:
    """Whether to print ``report.pdf``: the ``pdf`` option checked against this machine.

    Parameters
    ----------
    pdf : bool, optional
        ``True`` required, ``False`` off, ``None`` when Chromium is installed.
    warn : callable, optional
        Receives the one warning line when ``pdf`` is ``None`` and there is no Chromium.

    Returns
    -------
    bool

    Raises
    ------
    improve.report.pdf.PdfUnavailableError
        ``pdf`` is ``True`` and no Chromium is installed.
    """
    if pdf is False:
        return False
    reason = pdf_unavailable_reason()
    if reason is None:
        return True
    if pdf:
        raise PdfUnavailableError(f"{reason}; or run without --pdf")
    if warn is not None:
        warn(f"warning: not writing report.pdf: {reason} (--no-pdf silences this)")
    return False


def _outputs(folder: Path) -> list[str]:
    """Files a run wrote (relative paths), for the manifest."""
    return sorted(
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and not p.name.startswith(".") and p.name != "manifest.json"
    )


def demo_runs() -> list[dict[str, Any]]:
    """The runs ``improve demo`` performs: every workbook on its default (demo) data."""
    return [{"workbook": wb.name} for wb in list_workbooks()]


def read_build_config(path: str | Path) -> list[dict[str, Any]]:
    """Runs listed in a build config (``runs:`` list of workbook, data, columns, params)."""
    p = Path(path)
    if not p.exists():
        raise SpecError(f"build config '{p}' does not exist")
    try:
        content = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError:
        raise SpecError(f"build config '{p}' is not valid YAML") from None
    runs = content.get("runs") if isinstance(content, dict) else None
    if not isinstance(runs, list) or not all(isinstance(r, dict) and "workbook" in r for r in runs):
        raise SpecError(
            f"build config '{p}' must hold 'runs:', a list of entries each with 'workbook:' "
            "(and optionally data:, columns:, params:, run_id:, pdf:)"
        )
    base = p.resolve().parent
    resolved = []
    for run in runs:
        entry = dict(run)
        if entry.get("pdf") is not None and not isinstance(entry["pdf"], bool):
            raise SpecError(
                f"build config '{p}': 'pdf:' of run '{entry.get('run_id') or entry['workbook']}' "
                "must be true or false"
            )
        for key in ("data", "columns"):
            if entry.get(key):
                entry[key] = str(_resolve(entry[key], base))
        resolved.append(entry)
    return resolved


def build(
    runs: list[dict[str, Any]],
    *,
    out: str | Path | None = None,
    progress: Progress | None = None,
    skip_unchanged: bool = False,
    pdf: bool | None = None,
) -> list[RunResult | ImproveError]:
    """Run several analyses; one failure does not stop the others; rebuild the index once.

    ``pdf`` (``True``/``False``) overrides every run's ``pdf:`` entry; ``None`` keeps the
    entries, and a run without one gets a PDF when Chromium is installed (one warning line
    for the whole build when it is not). ``pdf=True`` without Chromium raises
    :class:`~improve.report.pdf.PdfUnavailableError` before any run starts.
    """
    say = progress or (lambda _msg: None)
    wanted = [pdf if pdf is not None else run.get("pdf") for run in runs]
    if pdf is True:
        resolve_pdf(True)
    if any(w is None for w in wanted) and not resolve_pdf(None, say):
        wanted = [False if w is None else w for w in wanted]
    outcomes: list[RunResult | ImproveError] = []
    for i, (run, want) in enumerate(zip(runs, wanted, strict=True), 1):
        label = run.get("run_id") or run["workbook"]
        say(f"[{i}/{len(runs)}] {label}")
        try:
            outcomes.append(
                run_workbook(
                    run["workbook"],
                    run.get("data"),
                    columns=run.get("columns"),
                    params=run.get("params") or {},
                    out=out,
                    run_id=run.get("run_id"),
                    progress=lambda m: say(f"    {m}"),
                    update_index=False,
                    skip_unchanged=skip_unchanged,
                    pdf=want,
                )
            )
        except (ImproveError, DataError) as exc:
            say(f"    FAILED: {exc}")
            outcomes.append(exc)
    reports = Path(out).resolve() if out else paths.reports_dir()
    write_index(reports)
    return outcomes


def describe_parameters(wb: Workbook) -> str:
    """Text listing of a workbook's parameters for ``improve params``."""
    lines = [f"{wb.name}: {wb.title}", ""]
    width = max((len(p.name) for p in wb.parameters.values()), default=4)
    for p in wb.parameters.values():
        note = " (set by the runner)" if p.name in RESERVED else ""
        lines.append(f"  {p.name:<{width}}  {p.type:<10} default {json.dumps(p.default)}{note}")
        if p.help:
            lines.append(f"  {'':<{width}}  {p.help}")
    return "\n".join(lines)
