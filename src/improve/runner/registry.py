"""The workbook registry: finding workbooks and reading their ``parameters`` cells.

A workbook is a notebook in ``notebooks/`` with a cell tagged ``parameters``. Three
parameters are reserved and injected by the runner: ``data_path``, ``column_map`` and
``output_dir``. Paths in a workbook's defaults are relative to the notebook's folder (as
JupyterLab runs them); the runner executes with that folder as the working directory.
"""

from __future__ import annotations

import ast
import difflib
import io
import json
import tokenize
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from improve import paths
from improve.errors import SpecError

#: Parameters every workbook declares and the runner sets.
RESERVED = ("data_path", "column_map", "output_dir")


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
    #: The kind of input file it reads (``improve.runner.inputs.INPUT_CHECKS``).
    input_kind: str = "panel"


def read_notebook(path: Path) -> dict[str, Any]:
    """A notebook's JSON with each cell's source as one string.

    Plain JSON rather than nbformat: listing workbooks and checking parameters stays fast
    (nbformat's schema validation costs seconds at import), so bad input fails at once.

    Raises
    ------
    improve.errors.SpecError
        The file is not a readable notebook.
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


def parameters_cell(nb: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The first code cell tagged ``parameters`` (``None`` when there is none)."""
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


def _assignment(node: ast.stmt, source: str) -> tuple[str, str | None, ast.expr] | None:
    """Name, annotation text and value node of ``name[: type] = value`` (else ``None``)."""
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        if node.value is None:
            return None
        return node.target.id, ast.get_source_segment(source, node.annotation), node.value
    if isinstance(node, ast.Assign) and len(node.targets) == 1:
        target = node.targets[0]
        if isinstance(target, ast.Name):
            return target.id, None, node.value
    return None


def parse_parameters(source: str) -> dict[str, Parameter]:
    """Read ``name: type = value  # help`` statements (a value may span several lines).

    Any annotation is understood, ``Literal["a", "b"]`` included; the help text joins the
    comments on the statement's lines.

    Raises
    ------
    improve.errors.SpecError
        The cell is not valid Python.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise SpecError(f"the parameters cell is not valid Python (line {exc.lineno})") from None
    comments = _comments_by_line(source)
    params: dict[str, Parameter] = {}
    for node in tree.body:
        found = _assignment(node, source)
        if found is None:
            continue
        name, annotation, value = found
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
    nb = read_notebook(path)
    cell = parameters_cell(nb)
    if cell is None:
        raise SpecError(f"workbook '{path.name}' has no cell tagged 'parameters'")
    title, description = _title_and_description(nb, path.stem)
    return Workbook(
        name=path.stem,
        path=path,
        title=title,
        description=description,
        parameters=parse_parameters(cell["source"]),
        input_kind=_input_kind(nb, path.name),
    )


def _input_kind(nb: Mapping[str, Any], name: str) -> str:
    """The ``improve.input`` entry of a notebook's metadata (``"panel"`` when absent)."""
    meta = nb.get("metadata", {}).get("improve", {})
    kind = meta.get("input", "panel") if isinstance(meta, Mapping) else "panel"
    if not isinstance(kind, str):
        raise SpecError(f"workbook '{name}': metadata improve.input must be a string")
    return kind


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
