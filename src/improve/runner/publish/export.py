"""Render an executed notebook as a self-contained HTML report with the code hidden."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import nbformat
from nbconvert import HTMLExporter

from improve.report.html_safety import sanitise_report

#: The report template (its look is presentation: it stays with ``improve.report``).
TEMPLATES = Path(__file__).resolve().parents[2] / "report" / "templates"


_H2 = re.compile(r'<h2 id="([^"]+)">(.*?)<a class="anchor-link"', re.S)


def _front_matter(body: str, run_info: Mapping[str, Any]) -> str:
    """Run information (data, date, parameters) and a table of contents after the title."""
    rows = []
    for key, value in run_info.items():
        text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
        rows.append(f"<tr><th>{html.escape(str(key))}</th><td>{html.escape(text)}</td></tr>")
    toc = "".join(
        f"<li><a href='#{html.escape(anchor, quote=True)}'>{re.sub(r'<[^>]+>', '', label)}</a></li>"
        for anchor, label in _H2.findall(body)
    )
    block = f"<table class='improve-runinfo'>{''.join(rows)}</table>" + (
        f"<nav class='improve-toc' aria-label='Contents'><b>Contents</b><ol>{toc}</ol></nav>"
        if toc
        else ""
    )
    end = body.find("</h1>")
    if end == -1:
        start = body.find("<main>")
        return body if start == -1 else body[: start + 6] + block + body[start + 6 :]
    return body[: end + 5] + block + body[end + 5 :]


def notebook_to_html(
    notebook: Path | nbformat.NotebookNode,
    title: str | None = None,
    run_info: Mapping[str, Any] | None = None,
) -> str:
    """HTML of an executed notebook: inputs and prompts hidden, images embedded, no CDN.

    The page is static: its body is sanitised and its head carries a Content-Security-Policy
    (:func:`improve.report.html_safety.sanitise_report`).

    Parameters
    ----------
    notebook : path or NotebookNode
        Executed notebook.
    title : str, optional
        Document title (defaults to the notebook's file name).
    run_info : mapping, optional
        Shown under the title (data source, run date, parameters), followed by a table of
        contents of the report's sections.
    """
    nb = nbformat.read(notebook, as_version=4) if isinstance(notebook, Path) else notebook
    exporter = HTMLExporter(
        template_name="improve",
        extra_template_basedirs=[str(TEMPLATES)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
    )
    resources = {"metadata": {"name": title or "improve report"}}
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    page = _front_matter(body, run_info) if run_info else body
    return sanitise_report(page)
