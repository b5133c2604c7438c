"""Shared fixtures: small, fast panels written in the shapes partners send."""

from __future__ import annotations

import os
import sys

os.environ.setdefault("MPLBACKEND", "Agg")  # tests draw figures without a screen

from pathlib import Path

import pandas as pd
import pytest

from sample_data import SCHOOL_MAP, make_school_panel

# jsonschema (imported by nbformat) loads rfc3987_syntax when it is installed (a Jupyter
# extra brings it), which builds a grammar at import: 1-3 s in every test process. It only
# serves jsonschema's "iri" format checks, which nothing here uses; workbook kernels and
# command-line child processes are not affected.
sys.modules.setdefault("rfc3987_syntax", None)


@pytest.fixture
def school_frame() -> pd.DataFrame:
    return make_school_panel()


@pytest.fixture
def school_csv(tmp_path: Path, school_frame: pd.DataFrame) -> Path:
    path = tmp_path / "schools.csv"
    school_frame.to_csv(path, index=False)
    return path


@pytest.fixture
def school_map(tmp_path: Path) -> Path:
    import yaml

    path = tmp_path / "columns.yaml"
    path.write_text(yaml.safe_dump(SCHOOL_MAP), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def demo_build(tmp_path_factory) -> dict:
    """Every workbook run once on the demo data, as ``improve demo`` runs them.

    Shared by the notebook tests (reproducibility, truth recovery) and the data-safety scan
    of everything ``make demo`` writes, so each demo run executes once per session. The
    tests that use it carry ``xdist_group("demo")`` and ``make test`` distributes with
    ``--dist loadgroup``, so one worker builds it.

    Returns
    -------
    dict
        ``{"folder": the reports folder (runs and index.html), "runs": name -> RunResult}``.
    """
    from improve.runner import build, demo_runs

    out = tmp_path_factory.mktemp("demo_build")
    runs = demo_runs()
    outcomes = build(runs, out=out, pdf=False)
    failed = [o for o in outcomes if isinstance(o, Exception)]
    assert not failed, failed
    return {"folder": out, "runs": {r["workbook"]: o for r, o in zip(runs, outcomes, strict=True)}}


@pytest.fixture(scope="session")
def shared_runs(tmp_path_factory):
    """Workbook runs made once per session and shared by the tests that need the same run.

    ``shared_runs.run(workbook, data, columns=..., params=...)`` takes the arguments of
    :func:`improve.runner.run_workbook` and returns its ``RunResult``; the folder is shared,
    so read it, never change it. See ``tests/shared_runs.py`` (works across xdist workers).
    """
    from shared_runs import SharedRuns, cache_root

    return SharedRuns(cache_root(tmp_path_factory.getbasetemp()))


@pytest.hookimpl(trylast=True)  # after xdist's own hook, which names the groups
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Collect the ``slow`` tests first (a stable sort: each part keeps its file order), and
    make ``xdist_group`` work under pytest 9.

    Under ``make test`` (``-n 2 --dist loadgroup``) xdist hands out the ``xdist_group``
    groups first (largest first), then single tests in collection order. With the slow tests
    (workbook runs, Monte Carlo, PDF printing) at the front, both workers start on the long
    items and finish on quick ones, instead of a long test starting last on one worker while
    the other sits idle.
    """
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
    if config.getoption("loadgroup", default=False):  # an xdist worker, --dist loadgroup
        for item in items:
            _name_xdist_group(item)


def _name_xdist_group(item: pytest.Item) -> None:
    """Append ``@group`` to the node id of a test marked ``xdist_group``, as xdist 3.8 does.

    xdist writes the suffix to ``item._nodeid``, which pytest 9 no longer reads (the id
    lives in ``item._id``), so every group was silently spread over both workers and each
    worker built the shared fixtures (the demo build, 77 s) once. Nothing to do where xdist's
    own suffix took effect.
    """
    names = sorted({str(m.args[0] if m.args else m.kwargs.get("name", "default"))
                    for m in item.iter_markers("xdist_group")})  # fmt: skip
    if not names or "@" in item.nodeid:
        return
    grouped = f"{item.nodeid}@{'_'.join(names)}"
    if hasattr(item, "_id"):
        from _pytest.nodeid import coerce_node_id

        item._id = coerce_node_id(grouped)
    else:
        item._nodeid = grouped
