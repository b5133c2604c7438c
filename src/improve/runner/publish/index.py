"""``reports/index.html``: the portfolio of evaluations and the latest run of each analysis,
rebuilt from the run manifests and results.

The page opens with the portfolio (one row per program and outcome: effect in SD units with
its interval, evidence tier, WWC rating, cost per student and per 0.1 SD, design, date,
links; sortable and filterable in the browser; see :mod:`.portfolio` and :mod:`.index_page`)
and a forest chart of the effects, then lists the runs.

An analysis is a run id: ``reports/<run_id>/`` holds its last complete run and
``reports/<run_id>.failed/`` its last failed one. The index lists each analysis once, by
its latest run: a failure older than a later success is not listed; a failed latest run is
shown as failed (hidden until the reader asks for failed runs), with links to its folder
and to the earlier complete report it left in place.
"""

from __future__ import annotations

import html
import json
import os
from pathlib import Path
from typing import Any

from improve.cost.runs import run_program
from improve.runner.publish.index_page import href, page, portfolio_section
from improve.runner.publish.portfolio import portfolio_rows, read_results, run_portfolio_entries


def _load(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}


def collect_runs(reports: Path) -> list[dict[str, Any]]:
    """One record per run folder (successful or failed) that has a manifest."""
    runs = []
    for folder in sorted(p for p in reports.iterdir() if p.is_dir() and not p.name.startswith(".")):
        manifest = _load(folder / "manifest.json")
        if not manifest:
            continue
        results = read_results(folder)
        inputs = manifest.get("inputs") or [{}]
        complete = manifest.get("status") == "complete"
        runs.append(
            {
                "folder": folder.name,
                "order": (
                    manifest.get("finished") or "",
                    manifest.get("started") or "",
                    (folder / "manifest.json").stat().st_mtime_ns,
                ),
                "run_id": manifest.get("run_id", folder.name),
                "workbook": manifest.get("workbook", "?"),
                "data": Path(str(inputs[0].get("path", "?"))).name,
                "finished": manifest.get("finished") or "",
                "status": manifest.get("status", "unknown"),
                "error": manifest.get("error") or "",
                "headline": results.get("headline", ""),
                "has_report": (folder / "report.html").exists(),
                "has_pdf": (folder / "report.pdf").exists(),
                "has_workbook": (folder / "tables" / "tables.xlsx").exists(),
                "tables": sorted(p.name for p in (folder / "tables").glob("*.csv"))
                if (folder / "tables").is_dir()
                else [],
                "data_sha256": str(inputs[0].get("sha256", "")),
                "program": run_program(results, manifest),
                "portfolio": run_portfolio_entries(folder, results) if complete else {},
            }
        )
    return runs


def latest_runs(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The latest run of each run id, in run-id order.

    A failed latest run keeps, under ``"previous_complete"``, the folder of the complete run
    of the same id it left in place (``None`` when there is none).

    Parameters
    ----------
    runs : list of dict
        Records from :func:`collect_runs`.

    Returns
    -------
    list of dict
    """
    by_id: dict[str, list[dict[str, Any]]] = {}
    for run in runs:
        by_id.setdefault(run["run_id"], []).append(run)
    latest = []
    for run_id in sorted(by_id):
        ordered = sorted(by_id[run_id], key=lambda r: r["order"])
        last = dict(ordered[-1])
        complete = [r for r in ordered if r["status"] == "complete" and r["has_report"]]
        last["previous_complete"] = (
            complete[-1]["folder"] if last["status"] != "complete" and complete else None
        )
        latest.append(last)
    return latest


def _run_row(run: dict[str, Any]) -> str:
    folder = run["folder"]
    links = []
    if run["has_report"]:
        links.append(f"<a href='{href(folder, 'report.html')}' title='report (HTML)'>HTML</a>")
    if run["has_pdf"]:  # only runs printed with Chromium have one (improve run --pdf)
        links.append(f"<a href='{href(folder, 'report.pdf')}' title='report (PDF)'>PDF</a>")
    if run.get("has_workbook"):
        links.append(
            f"<a href='{href(folder, 'tables', 'tables.xlsx')}' "
            "title='every table, one sheet each'>Excel</a>"
        )
    links += [f"<a href='{href(folder, 'tables', t)}'>{html.escape(t)}</a>" for t in run["tables"]]
    if run["status"] != "complete":
        links.append(f"<a href='{href(folder)}/' title='kept for diagnosis'>failed run folder</a>")
    if run.get("previous_complete"):
        links.append(
            f"<a href='{href(run['previous_complete'], 'report.html')}' "
            "title='the last complete report'>last complete report</a>"
        )
    links.append(f"<a href='{href(folder, 'manifest.json')}'>manifest</a>")
    status = html.escape(run["status"], quote=True)
    detail = html.escape(run["headline"] or run["error"])
    return (
        f"<tr class='status-{status}'><td>{html.escape(run['workbook'])}</td>"
        f"<td>{html.escape(run['data'])}</td><td>{html.escape(run['finished'])}</td>"
        f"<td>{status}</td><td>{detail}</td><td>{' · '.join(links)}</td></tr>"
    )


def render_index(runs: list[dict[str, Any]]) -> str:
    """The index page (self-contained HTML): the portfolio built from ``runs`` and one row
    per record in ``runs``."""
    rows = [_run_row(run) for run in runs]
    body = (
        "\n".join(rows) or "<tr><td colspan='6'>No runs yet: try <code>make demo</code>.</td></tr>"
    )
    table = f"""<div class='table-wrap'><table id='runs-table'><thead><tr><th>Workbook</th>
<th>Data</th><th>Finished (UTC)</th><th>Status</th><th>Headline</th><th>Files</th></tr></thead>
<tbody>
{body}
</tbody></table></div>"""
    n_failed = sum(1 for r in runs if r["status"] == "failed")
    return page(portfolio_section(portfolio_rows(runs)), table, n_failed)


def write_index(reports: Path) -> Path:
    """Rebuild ``reports/index.html`` atomically and return its path."""
    reports.mkdir(parents=True, exist_ok=True)
    target = reports / "index.html"
    tmp = reports / f".index.html.{os.getpid()}.tmp"
    tmp.write_text(render_index(latest_runs(collect_runs(reports))), encoding="utf-8")
    os.replace(tmp, target)
    return target
