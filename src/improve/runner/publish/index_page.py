"""The HTML of ``reports/index.html``: the portfolio table, its forest chart and the run list.

Self-contained: inline CSS and a small inline script (sorting, filtering, showing failed
runs), no network, readable on a phone (rows become cards) and printable (controls hidden).
Every value that comes from a run (program and outcome names, headlines, errors, file
names) is HTML-escaped here.
"""

from __future__ import annotations

import math
from html import escape
from typing import Any
from urllib.parse import quote

from improve.runner.publish.forest import forest_img

#: Portfolio columns: (key, header, sort type).
COLUMNS = (
    ("program", "Program", "text"),
    ("outcome", "Outcome", "text"),
    ("effect", "Effect (SD) and interval", "number"),
    ("tier", "Evidence tier", "text"),
    ("wwc", "WWC rating", "text"),
    ("cost", "Cost per student", "number"),
    ("gain", "Cost per 0.1 SD", "number"),
    ("design", "Design", "text"),
    ("date", "Date", "text"),
    ("files", "Report and files", "text"),
)

CSS = """
body { font-family: system-ui, sans-serif; max-width: 80rem; margin: 1.5rem auto; padding: 0 1rem;
       line-height: 1.4; color: #111; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid #ddd;
         vertical-align: top; }
th button { font: inherit; font-weight: bold; background: none; border: 0; padding: 0;
            cursor: pointer; text-align: left; color: inherit; }
th[aria-sort=ascending] button::after { content: " \\25B2"; }
th[aria-sort=descending] button::after { content: " \\25BC"; }
td small { color: #555; }
.controls { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: center; margin: .5rem 0; }
.controls input[type=search], .controls select { font: inherit; padding: .2rem; }
.table-wrap { overflow-x: auto; }
img.forest { max-width: 100%; height: auto; border: 1px solid #eee; }
tr.status-failed td { background: #fdecea; }
body:not(.show-failed) tr.status-failed { display: none; }
@media (max-width: 40rem) {
  #portfolio-table thead tr { display: flex; flex-wrap: wrap; gap: .3rem .8rem; }
  #portfolio-table thead th { border: 0; padding: 0; }
  #portfolio-table tbody tr { display: block; border: 1px solid #ccc; border-radius: .4rem;
                              margin: .6rem 0; padding: .3rem; }
  #portfolio-table tbody td { display: block; border: 0; padding: .15rem .3rem; }
  #portfolio-table tbody td::before { content: attr(data-label) ": "; font-weight: bold; }
}
@media print {
  .controls, .no-print { display: none; }
  body { max-width: none; margin: 0; font-size: 10pt; }
  a { color: inherit; }
}
"""

SCRIPT = """
(function () {
  var table = document.getElementById('portfolio-table');
  var failed = document.getElementById('show-failed');
  if (failed) {
    failed.addEventListener('change', function () {
      document.body.classList.toggle('show-failed', failed.checked);
    });
  }
  if (!table) { return; }
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var text = document.getElementById('filter-text');
  var design = document.getElementById('filter-design');
  var outcome = document.getElementById('filter-outcome');
  var significant = document.getElementById('filter-significant');
  var superseded = document.getElementById('show-superseded');
  var count = document.getElementById('shown-count');
  function apply() {
    var query = text.value.trim().toLowerCase();
    var shown = 0;
    rows.forEach(function (row) {
      var ok = (!query || row.textContent.toLowerCase().indexOf(query) >= 0) &&
        (!design.value || row.getAttribute('data-design') === design.value) &&
        (!outcome.value || row.getAttribute('data-outcome') === outcome.value) &&
        (!significant.checked || row.getAttribute('data-significant') === '1') &&
        ((superseded && superseded.checked) || row.getAttribute('data-superseded') !== '1');
      row.hidden = !ok;
      if (ok) { shown += 1; }
    });
    count.textContent = shown + ' of ' + rows.length + ' rows shown';
  }
  function sortBy(header) {
    var ascending = header.getAttribute('aria-sort') !== 'ascending';
    var index = Array.prototype.indexOf.call(header.parentNode.children, header);
    var numeric = header.getAttribute('data-type') === 'number';
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th) {
      th.setAttribute('aria-sort', 'none');
    });
    header.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
    function key(row) {
      var value = row.cells[index].getAttribute('data-value') || '';
      if (value === '') { return null; }
      return numeric ? Number(value) : value;
    }
    rows.sort(function (a, b) {
      var x = key(a), y = key(b);
      if (x === null && y === null) { return 0; }
      if (x === null) { return 1; }
      if (y === null) { return -1; }
      var order = numeric ? x - y : String(x).localeCompare(String(y));
      return ascending ? order : -order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
  }
  Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th) {
    var button = th.querySelector('button');
    if (button) { button.addEventListener('click', function () { sortBy(th); }); }
  });
  [text, design, outcome].forEach(function (el) { el.addEventListener('input', apply); });
  [design, outcome, significant, superseded].forEach(function (el) {
    if (el) { el.addEventListener('change', apply); }
  });
  apply();
})();
"""


def _num(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and math.isfinite(value) else None


def _money(value: Any) -> str:
    from improve.cost.ratio import format_money

    v = _num(value)
    return "" if v is None else format_money(v)


def href(*parts: str) -> str:
    """A relative link to a file of a run (URL-quoted, then HTML-escaped)."""
    return escape("/".join(quote(p) for p in parts), quote=True)


def _cell(key: str, label: str, content: str, value: Any = "") -> str:
    shown = "" if value is None else str(value)
    return (
        f"<td data-label='{escape(label, quote=True)}' data-value='{escape(shown, quote=True)}'>"
        f"{content}</td>"
    )


def _sd(value: float) -> str:
    """An effect in SD to two decimals (never "-0.00")."""
    text = f"{value:.2f}"
    return "0.00" if text == "-0.00" else text


def _effect(row: dict[str, Any]) -> tuple[str, Any]:
    est, lo, hi = _num(row["effect_sd"]), _num(row["conf_low"]), _num(row["conf_high"])
    if est is None:
        return "", None
    interval = (
        f"<br><small>{_sd(lo)} to {_sd(hi)}</small>" if lo is not None and hi is not None else ""
    )
    return f"{_sd(est)}{interval}", round(est, 6)


def _gain(row: dict[str, Any]) -> tuple[str, Any]:
    ratio = _num(row["cost_per_gain"])
    if row["cost_per_student"] is None:
        return "", None
    if ratio is None or (_num(row["effect_sd"]) or 0) <= 0:
        return "no gain to price", None
    kind = row.get("gain_interval")
    if kind == "bounded":
        words = f"{_money(row['gain_low'])} to {_money(row['gain_high'])}"
    else:
        words = "interval unbounded: the effect could be zero"
    return f"{_money(ratio)}<br><small>{escape(words)}</small>", round(ratio, 2)


def _links(row: dict[str, Any]) -> str:
    run = row["run"]
    folder = run["folder"]
    links = []
    if run.get("has_report"):
        links.append(f"<a href='{href(folder, 'report.html')}'>report</a>")
    if run.get("has_pdf"):
        links.append(f"<a href='{href(folder, 'report.pdf')}'>PDF</a>")
    if run.get("has_workbook"):
        links.append(f"<a href='{href(folder, 'tables', 'tables.xlsx')}'>tables</a>")
    cost_run = row.get("cost_run")
    if cost_run is not None and cost_run.get("has_report"):
        links.append(f"<a href='{href(cost_run['folder'], 'report.html')}'>cost report</a>")
    return " · ".join(links)


def portfolio_row(row: dict[str, Any]) -> str:
    """One ``<tr>`` of the portfolio table (every value escaped)."""
    lo, hi = _num(row["conf_low"]), _num(row["conf_high"])
    significant = "1" if lo is not None and hi is not None and (lo > 0 or hi < 0) else "0"
    effect, effect_value = _effect(row)
    gain, gain_value = _gain(row)
    cells = {
        "program": (escape(str(row["program"])), str(row["program"]).lower()),
        "outcome": (escape(str(row["outcome"])), str(row["outcome"]).lower()),
        "effect": (effect, effect_value),
        "tier": (escape(row["tier"] or "not rated"), row["tier"]),
        "wwc": (escape(row["wwc"] or "not rated"), row["wwc"]),
        "cost": (_money(row["cost_per_student"]) or "no cost run", _num(row["cost_per_student"])),
        "gain": (gain, gain_value),
        "design": (escape(str(row["design"])), str(row["design"]).lower()),
        "date": (escape(row["date"]), row["date"]),
        "files": (_links(row), ""),
    }
    body = "".join(_cell(k, header, *cells[k]) for k, header, _ in COLUMNS)
    superseded = "1" if row.get("superseded") else "0"
    return (
        f"<tr data-design='{escape(str(row['design']), quote=True)}' "
        f"data-outcome='{escape(str(row['outcome']), quote=True)}' "
        f"data-significant='{significant}' data-superseded='{superseded}'"
        f"{' hidden' if superseded == '1' else ''}>{body}</tr>"
    )


def _options(values: list[str], everything: str) -> str:
    options = [f"<option value=''>{escape(everything)}</option>"]
    options += [
        f"<option value='{escape(v, quote=True)}'>{escape(v)}</option>" for v in sorted(set(values))
    ]
    return "".join(options)


def portfolio_section(rows: list[dict[str, Any]]) -> str:
    """The portfolio: controls, table and forest chart (a note when there are no rows)."""
    if not rows:
        return (
            "<section id='portfolio'><h2>Portfolio</h2><p>No evaluation with an effect in "
            "standard deviations has been published here yet.</p></section>"
        )
    head = "".join(
        f"<th scope='col' aria-sort='none' data-type='{kind}'><button type='button'>"
        f"{escape(header)}</button></th>"
        for _, header, kind in COLUMNS
    )
    body = "\n".join(portfolio_row(r) for r in rows)
    designs = _options([str(r["design"]) for r in rows], "all designs")
    outcomes = _options([str(r["outcome"]) for r in rows], "all outcomes")
    current = [r for r in rows if not r.get("superseded")]
    n_old = len(rows) - len(current)
    older = (
        f"<label><input type='checkbox' id='show-superseded'> show {n_old} superseded "
        f"row{'s' if n_old != 1 else ''} (earlier runs of the same question)</label>"
        if n_old
        else ""
    )
    chart = forest_img(current)
    figure = (
        f"<figure>{chart}<figcaption>Effects across programs on one axis (standard "
        "deviations of each outcome; dot: estimate, line: confidence interval).</figcaption>"
        "</figure>"
        if chart
        else ""
    )
    return f"""<section id='portfolio' aria-labelledby='portfolio-title'>
<h2 id='portfolio-title'>Portfolio: effects and costs by program and outcome</h2>
<p>One row per program and outcome from the latest complete runs. Effects are in standard
deviations (SD) of the outcome with their confidence intervals; the evidence tier (ESSA) and
WWC rating come from an evidence-summary run of the same data, costs from a
cost-effectiveness run that priced the effect. Click a column header to sort.</p>
<div class='controls' role='search'>
<label>Search <input type='search' id='filter-text' placeholder='program, outcome, design'></label>
<label>Design <select id='filter-design'>{designs}</select></label>
<label>Outcome <select id='filter-outcome'>{outcomes}</select></label>
<label><input type='checkbox' id='filter-significant'> only effects whose interval
excludes zero</label>
{older}
<span id='shown-count' aria-live='polite'>{len(current)} of {len(rows)} rows shown</span>
</div>
<div class='table-wrap'><table id='portfolio-table'>
<thead><tr>{head}</tr></thead>
<tbody>
{body}
</tbody></table></div>
{figure}
</section>"""


def page(portfolio: str, runs_table: str, n_failed: int) -> str:
    """The whole index page."""
    toggle = (
        f"<p class='no-print'><label><input type='checkbox' id='show-failed'> show the "
        f"{n_failed} failed run{'s' if n_failed != 1 else ''} (kept for diagnosis)</label></p>"
        if n_failed
        else ""
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>improve reports: portfolio of evaluations</title>
<style>{CSS}</style></head>
<body><h1>improve reports</h1>
{portfolio}
<section id='runs'><h2>Runs</h2>
<p>Each row is the latest run of one analysis. A failed run keeps its executed notebook
for diagnosis; the last complete report stays in place until a new run succeeds.</p>
{toggle}
{runs_table}
</section>
<script>{SCRIPT}</script>
</body></html>
"""
