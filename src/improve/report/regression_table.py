"""Regression tables: several fixed-effects models side by side.

``regression_table({"(1) Math": res1, "(2) Reading": res2})`` lays out coefficients with
standard errors (or confidence intervals) underneath, significance stars, and the model
facts every reader asks for: observations, clusters, absorbed fixed effects, inference used
and the within R-squared. Export to HTML (great_tables, via :meth:`RegressionTable.as_table`),
LaTeX, Markdown, CSV and Excel with fixed float formatting so reruns diff cleanly.

Star convention (stated in the table note): ``*`` p < 0.10, ``**`` p < 0.05, ``***`` p < 0.01
(the default, ``stars=(0.10, 0.05, 0.01)``); pass ``stars=()`` for none. Stars use each
model's own p-values, i.e. Satterthwaite t for CR2 and the bootstrap for the wild bootstrap.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from improve.report.formula_safety import neutralise_frame
from improve.report.tables import SHEET_NAME_MAX, Table, new_workbook, save_workbook

DEFAULT_STARS: tuple[float, ...] = (0.10, 0.05, 0.01)


@dataclass(frozen=True)
class RegressionTable:
    """A formatted table of several models.

    Attributes
    ----------
    body : pandas.DataFrame
        Display strings, index = row labels, columns = model names. Coefficient rows are
        followed by their standard-error (or CI) rows; then the model facts.
    n_coef_rows : int
        Number of rows that belong to coefficients (the rest are model facts).
    note : str
        Footnote: what is in parentheses, inference used, star convention.
    numbers : pandas.DataFrame
        The tidy estimates behind the table (``model`` column added), for CSV export.
    """

    body: pd.DataFrame
    n_coef_rows: int
    note: str
    numbers: pd.DataFrame

    def to_markdown(self) -> str:
        """GitHub-flavoured Markdown table with the note underneath."""
        cols = ["", *self.body.columns]
        lines = [
            "| " + " | ".join(cols) + " |",
            "|" + "|".join(["---"] + [":---:"] * (len(cols) - 1)) + "|",
        ]
        for i, (label, row) in enumerate(self.body.iterrows()):
            if i == self.n_coef_rows:
                lines.append("| " + " | ".join([""] * len(cols)) + " |")
            lines.append("| " + " | ".join([str(label), *row.astype(str)]) + " |")
        return "\n".join(lines) + f"\n\n{self.note}\n"

    def as_table(self, caption: str = "", *, name: str = "", number: int | None = None) -> Table:
        """The table as a :class:`improve.report.tables.Table` (row labels as the stub).

        Parameters
        ----------
        caption : str
            Caption (shown after "Table N." when ``number`` is given).
        name : str
            Short name: HTML ids and the Excel sheet name.
        number : int, optional
            Table number.
        """
        frame = self.body.reset_index(names="")
        return Table(
            frame,
            caption=caption,
            notes=(self.note,),
            stub="",
            label_columns=(),
            name=name,
            number=number,
            rules_above=(self.n_coef_rows,),
            align=dict.fromkeys(map(str, self.body.columns), "center"),
        )

    def to_html(self) -> str:
        """HTML (great_tables): a rule above the model facts, the note under the table."""
        return self.as_table().to_html()

    def _repr_html_(self) -> str:
        return self.to_html()

    def to_latex(self) -> str:
        """LaTeX ``tabular`` (booktabs) with the note in a ``tablenotes``-free footer row."""

        def tex(s: str) -> str:
            for a, b in (
                ("\\", r"\textbackslash{}"),
                ("&", r"\&"),
                ("%", r"\%"),
                ("_", r"\_"),
                ("#", r"\#"),
                ("$", r"\$"),
                ("×", r"$\times$"),
                ("≤", r"$\leq$"),
            ):
                s = s.replace(a, b)
            return (
                s.replace("***", "$^{***}$").replace("**", "$^{**}$").replace("*", "$^{*}$")
                if "*" in s and not s.startswith("Note")
                else s
            )

        k = len(self.body.columns)
        lines = [
            r"\begin{tabular}{l" + "c" * k + "}",
            r"\toprule",
            " & ".join(["", *(tex(str(c)) for c in self.body.columns)]) + r" \\",
            r"\midrule",
        ]
        for i, (label, row) in enumerate(self.body.iterrows()):
            if i == self.n_coef_rows:
                lines.append(r"\midrule")
            lines.append(" & ".join([tex(str(label)), *(tex(str(v)) for v in row)]) + r" \\")
        note = self.note.replace("\\", "").replace("&", r"\&").replace("_", r"\_")
        note = note.replace("<", r"$<$").replace("%", r"\%")
        lines += [
            r"\bottomrule",
            rf"\multicolumn{{{k + 1}}}{{p{{0.9\linewidth}}}}{{\footnotesize {note}}} \\",
            r"\end{tabular}",
        ]
        return "\n".join(lines) + "\n"

    def to_csv(self, path: Any = None, *, layout: str = "long") -> str | None:
        """CSV export.

        Parameters
        ----------
        path : path-like, optional
            Write there (and return None); otherwise return the text.
        layout : {"long", "display"}
            ``"long"``: one row per model × term with full-precision numbers (``%.10g``);
            ``"display"``: the formatted table as shown.
        """
        if layout == "display":
            frame = neutralise_frame(self.body.reset_index(names=""))
            return frame.to_csv(path, index=False)
        return neutralise_frame(self.numbers).to_csv(path, index=False, float_format="%.10g")

    def to_excel(self, target: Any, sheet: str = "regression", *, numbers: bool = True) -> Any:
        """Excel: the table as shown, and (``numbers=True``) the estimates at full precision.

        Parameters
        ----------
        target : path-like or openpyxl.Workbook
            A path (a workbook is saved there, byte-identically across runs) or an open
            workbook to add the sheets to (the caller saves it).
        sheet : str
            Name of the display sheet; the numbers go to ``"<sheet> numbers"`` (names cut
            to Excel's 31 characters).
        numbers : bool
            Also write :attr:`numbers` (one row per model x term).

        Returns
        -------
        openpyxl.worksheet.worksheet.Worksheet
            The display sheet.
        """
        from openpyxl import Workbook

        book = target if isinstance(target, Workbook) else new_workbook()
        shown = self.as_table(name=sheet).to_excel(book, sheet=sheet)
        if numbers:
            Table(self.numbers, name=f"{sheet} numbers", decimals=6, label_columns=()).to_excel(
                book, sheet=f"{sheet[: SHEET_NAME_MAX - 8]} numbers"
            )
        if not isinstance(target, Workbook):
            save_workbook(book, target)
        return shown


def _fact(res: Any, attr: str, fmt: Any) -> str:
    value = getattr(res, attr, None)
    return "" if value is None else fmt(value)


def _as_tuple(value: Any) -> tuple[Any, ...]:
    if value is None:
        return ()
    return tuple(value) if isinstance(value, tuple | list) else (value,)


def _clusters(res: Any) -> str:
    """``"60 (district_id)"``; one entry per clustering dimension (FE and DiD results)."""
    counts, names = (
        _as_tuple(getattr(res, "n_clusters", None)),
        _as_tuple(getattr(res, "cluster", None)),
    )
    if not counts or len(counts) != len(names):
        return ", ".join(f"{g:,}" for g in counts)
    return ", ".join(f"{g:,} ({c})" for c, g in zip(names, counts, strict=True))


def _fixed_effects(res: Any) -> str:
    absorbed = getattr(res, "absorbed", None)
    if absorbed is not None:
        return ", ".join(absorbed)
    fixef = getattr(res, "__maketables_fixef_string__", None)
    return ", ".join(fixef.split("+")) if fixef else ""


def _fe_inference(res: Any) -> tuple[str, str] | None:
    """``(vcov_type, vcov_label)`` of a fixed-effects-style result, else None."""
    vcov_type, label = getattr(res, "vcov_type", None), getattr(res, "vcov_label", None)
    if isinstance(vcov_type, str) and isinstance(label, str):
        return vcov_type, label
    return None


def _inference(res: Any) -> str:
    fe = _fe_inference(res)
    if fe is not None:
        return fe[0].upper()
    hook = getattr(res, "__maketables_stat__", None)
    return str(hook("se_type") or "") if hook is not None else ""


def _method(res: Any) -> str:
    """How the standard errors were computed, for the table note."""
    fe = _fe_inference(res)
    if fe is not None and fe[1]:
        return f"{fe[0].upper()} = {fe[1]}"
    return _inference(res) or "as reported by the estimator"


def _stars(p: float, levels: Sequence[float]) -> str:
    if not np.isfinite(p):
        return ""
    return "*" * sum(p < lv for lv in sorted(levels, reverse=True))


def regression_table(
    models: Mapping[str, Any],
    *,
    terms: Sequence[str] | None = None,
    labels: Mapping[str, str] | None = None,
    show: str = "se",
    stars: Sequence[float] = DEFAULT_STARS,
    digits: int = 3,
    r2_digits: int = 3,
) -> RegressionTable:
    """Several models side by side.

    Parameters
    ----------
    models : mapping of str to result
        Column name → :class:`improve.fe.FEResult` (or anything with ``tidy()`` and the
        attributes ``n_obs``, ``n_clusters``, ``cluster``, ``absorbed``,
        ``vcov_type``, ``vcov_label``, ``r2_within``, ``alpha``; missing facts are left blank).
        A :class:`improve.fe.FEResults` is expanded into one column per outcome.
    terms : list of str, optional
        Coefficients to show, in order (default: every term, in first-seen order).
    labels : mapping, optional
        Display names for terms (e.g. ``{"coach_fte_per_100": "Coach FTE per 100"}``).
    show : {"se", "ci"}
        Standard errors or confidence intervals in brackets under each coefficient.
    stars : sequence of float
        p-value thresholds; default ``(0.10, 0.05, 0.01)`` → ``*``, ``**``, ``***``.
        ``()`` for no stars.
    digits, r2_digits : int
        Decimals for coefficients and for R-squared.

    Returns
    -------
    RegressionTable
    """
    if show not in ("se", "ci"):
        raise ValueError("show must be 'se' or 'ci'")
    expanded: dict[str, Any] = {}
    for name, res in models.items():
        if hasattr(res, "results") and not hasattr(res, "terms"):
            for outcome, sub in res.items():
                expanded[f"{name}: {outcome}" if len(models) > 1 else outcome] = sub
        else:
            expanded[name] = res
    labels = dict(labels or {})
    tidies = {name: res.tidy() for name, res in expanded.items()}
    if terms is None:
        terms = list(dict.fromkeys(t for td in tidies.values() for t in td["term"]))
    f = f"{{:.{digits}f}}"
    rows: list[tuple[str, list[str]]] = []
    for term in terms:
        coef_row, se_row = [], []
        for td in tidies.values():
            hit = td.loc[td["term"] == term]
            if hit.empty:
                coef_row.append("")
                se_row.append("")
                continue
            r = hit.iloc[0]
            coef_row.append(f.format(r["estimate"]) + _stars(float(r["p_value"]), stars))
            if show == "se":
                se_row.append(f"({f.format(r['std_error'])})")
            else:
                se_row.append(f"[{f.format(r['conf_low'])}, {f.format(r['conf_high'])}]")
        rows += [(labels.get(term, term), coef_row), ("", se_row)]
    n_coef_rows = len(rows)

    fits = list(expanded.values())
    facts = {
        "Observations": [_fact(r, "n_obs", lambda v: f"{v:,}") for r in fits],
        "Clusters": [_clusters(r) for r in fits],
        "Fixed effects": [_fixed_effects(r) for r in fits],
        "Inference": [_inference(r) for r in fits],
        "R-squared (within)": [_fact(r, "r2_within", lambda v: f"{v:.{r2_digits}f}") for r in fits],
    }
    rows += list(facts.items())
    body = pd.DataFrame([v for _, v in rows], index=[k for k, _ in rows], columns=list(expanded))
    alphas = {getattr(r, "alpha", 0.05) for r in expanded.values()}
    level = ", ".join(f"{100 * (1 - a):g}%" for a in sorted(alphas))
    inside = "Standard errors" if show == "se" else f"{level} confidence intervals"
    methods = dict.fromkeys(_method(r) for r in fits)
    star_text = (
        "Stars: "
        + ", ".join(
            f"{'*' * (i + 1)} p < {lv:g}" for i, lv in enumerate(sorted(stars, reverse=True))
        )
        + "."
        if stars
        else "No significance stars."
    )
    note = (
        f"Note: {inside} in {'parentheses' if show == 'se' else 'brackets'}. "
        f"Inference: {'; '.join(methods)}. {star_text}"
    )
    numbers = pd.concat(
        [td.assign(model=name)[["model", *td.columns]] for name, td in tidies.items()],
        ignore_index=True,
    )
    return RegressionTable(body=body, n_coef_rows=n_coef_rows, note=note, numbers=numbers)
