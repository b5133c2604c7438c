"""Several runs at once: a ``reports.yaml`` build, or every workbook on the demo data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from improve import paths
from improve.errors import DataError, ImproveError, SpecError
from improve.runner.parameters import PATH_SUFFIXES, resolve_input
from improve.runner.plain_data import load_yaml
from improve.runner.publish.index import write_index
from improve.runner.publish.pdf import resolve_pdf
from improve.runner.registry import list_workbooks
from improve.runner.run import Progress, RunResult, run_workbook
from improve.runner.run_ids import check_run_id_text


def demo_runs() -> list[dict[str, Any]]:
    """The runs ``improve demo`` performs: every workbook on its default (demo) data, with
    the demo's published choices (``data/demo/workbook_params.yaml``)."""
    from improve.report.defaults import demo_workbook_params

    return [
        {"workbook": wb.name, "params": demo_workbook_params(wb.name)} for wb in list_workbooks()
    ]


def read_build_config(path: str | Path) -> list[dict[str, Any]]:
    """Runs listed in a build config (``runs:`` list of workbook, data, columns, params).

    ``data``, ``columns`` and file parameters (names ending ``_path``, ``_map``, ``_file``)
    are resolved against the config's folder, as its comment promises.
    """
    p = Path(path)
    if not p.exists():
        raise SpecError(f"build config '{p}' does not exist")
    try:
        content = load_yaml(p.read_text(encoding="utf-8"), f"build config '{p.name}'") or {}
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
    seen: set[str] = set()
    for run in runs:
        entry = dict(run)
        if entry.get("run_id") is not None:
            run_id = str(entry["run_id"])
            check_run_id_text(run_id)
            if run_id.lower() in seen:
                raise SpecError(f"build config '{p}' lists run id '{run_id}' twice")
            seen.add(run_id.lower())
        if entry.get("pdf") is not None and not isinstance(entry["pdf"], bool):
            raise SpecError(
                f"build config '{p}': 'pdf:' of run '{entry.get('run_id') or entry['workbook']}' "
                "must be true or false"
            )
        if entry.get("params") is not None and not isinstance(entry["params"], dict):
            raise SpecError(
                f"build config '{p}': 'params:' of run "
                f"'{entry.get('run_id') or entry['workbook']}' must be 'name: value' lines"
            )
        for key in ("data", "columns"):
            if entry.get(key):
                entry[key] = str(resolve_input(entry[key], base))
        if isinstance(entry.get("params"), dict):
            entry["params"] = {
                name: str(resolve_input(value, base))
                if name.endswith(PATH_SUFFIXES) and isinstance(value, str) and value
                else value
                for name, value in entry["params"].items()
            }
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
    :class:`~improve.runner.publish.pdf.PdfUnavailableError` before any run starts.
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
