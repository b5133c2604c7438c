"""Render an executed notebook as a self-contained HTML report with the code hidden."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbconvert import HTMLExporter

TEMPLATES = Path(__file__).with_name("templates")


def notebook_to_html(notebook: Path | nbformat.NotebookNode, title: str | None = None) -> str:
    """HTML of an executed notebook: inputs and prompts hidden, images embedded, no CDN.

    Parameters
    ----------
    notebook : path or NotebookNode
        Executed notebook.
    title : str, optional
        Document title (defaults to the notebook's file name).
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
    return body
