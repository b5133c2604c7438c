"""Item 8 of the security issue: inputs that cost far more to read than their size.

Each case is built at test time (nothing big is committed) and must be refused with one
line (exit 2 on the command line) from cheap facts, before the expensive reader runs: the
zip directory of an .xlsx, the composer's counts of a YAML document, the header line of a
CSV, the size of a file read whole into memory.
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

import improve.data.limits as limits_module
import improve.data.read as read_module
from improve.data import load_panel
from improve.data.safe_yaml import MAX_DEPTH, YamlLimitError, load_yaml
from improve.errors import DataError, SpecError
from improve.runner.build import read_build_config
from improve.runner.parameters import parse_cli_value, read_params_file

from sample_data import SCHOOL_MAP, make_school_panel

#: The 9-level "billion laughs": a few hundred bytes standing for 9**9 strings.
ALIAS_BOMB = "\n".join(
    ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    + [
        f"{b}: &{b} [" + ",".join([f"*{a}"] * 9) + "]"
        for a, b in zip("abcdefgh", "bcdefghi", strict=True)
    ]
)
DEEP = "unit: " + "[" * 20_000 + "]" * 20_000


def _no_reader(*_args, **_kwargs):
    raise AssertionError("the full reader ran before the limit was checked")


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "improve.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
    )


def _one_error_line(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    errors = [ln for ln in done.stderr.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1, done.stderr
    return errors[0]


# --- xlsx (zip) ---------------------------------------------------------------------------


@pytest.fixture
def xlsx_bomb(tmp_path: Path) -> Path:
    """A 64 MB sheet of repeated XML packed into an .xlsx well under 1 MB."""
    path = tmp_path / "bomb.xlsx"
    row = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>'
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as member:
            chunk = row * (1 << 14)
            for _ in range((64 << 20) // len(chunk)):
                member.write(chunk)
    assert path.stat().st_size < (1 << 20)
    return path


def test_xlsx_that_inflates_a_thousandfold_is_refused_before_parsing(xlsx_bomb, monkeypatch):
    monkeypatch.setattr(read_module.pd, "ExcelFile", _no_reader)
    with pytest.raises(DataError, match=r"inflates [\d,]+ times when unpacked"):
        load_panel(xlsx_bomb, columns=SCHOOL_MAP)


def test_xlsx_above_the_uncompressed_limit_is_refused(xlsx_bomb, monkeypatch):
    monkeypatch.setenv("IMPROVE_MAX_UNCOMPRESSED_MB", "32")
    monkeypatch.setattr(read_module.pd, "ExcelFile", _no_reader)
    with pytest.raises(
        DataError, match=r"unpacks to 64 MB \(limit 32 MB\).*IMPROVE_MAX_UNCOMPRESSED"
    ):
        load_panel(xlsx_bomb, columns=SCHOOL_MAP)


def test_a_normal_workbook_still_reads(tmp_path):
    frame = make_school_panel()
    frame.to_excel(tmp_path / "s.xlsx", index=False)
    assert load_panel(tmp_path / "s.xlsx", columns=SCHOOL_MAP).report.n_rows == len(frame)


@pytest.mark.slow
def test_validate_refuses_the_xlsx_bomb_with_one_line(xlsx_bomb, tmp_path):
    cmap = tmp_path / "map.yaml"
    cmap.write_text(yaml.safe_dump(SCHOOL_MAP), encoding="utf-8")
    line = _one_error_line(_cli("validate", str(xlsx_bomb), "--columns", str(cmap), cwd=tmp_path))
    assert "inflates" in line


# --- YAML ---------------------------------------------------------------------------------


def test_the_alias_bomb_is_a_few_hundred_bytes():
    assert len(ALIAS_BOMB.encode()) < 400


@pytest.mark.parametrize(
    ("text", "fragment"),
    [(ALIAS_BOMB, "aliases are expanded"), (DEEP, f"more than {MAX_DEPTH} levels deep")],
)
def test_limited_loader_refuses_bombs_and_depth(text, fragment):
    with pytest.raises(YamlLimitError, match=fragment):
        load_yaml(text, "column map 'm.yaml'")


def test_many_aliases_are_refused_even_when_small():
    text = "a: &a 1\nb: [" + ", ".join(["*a"] * 1_500) + "]"
    with pytest.raises(YamlLimitError, match="more than 1,000 YAML aliases"):
        load_yaml(text)


def test_ordinary_yaml_with_an_alias_reads_as_before():
    text = "defaults: &d {min_cell_size: 10}\nrun: *d\nlist: [1, 2, [3, 4]]"
    assert load_yaml(text) == yaml.safe_load(text)


@pytest.mark.parametrize("text", [ALIAS_BOMB, DEEP])
def test_column_map_params_file_and_build_config_refuse_bombs(tmp_path, school_csv, text):
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SpecError, match="column map 'bad.yaml'"):
        load_panel(school_csv, columns=path)
    with pytest.raises(SpecError, match="parameters file 'bad.yaml'"):
        read_params_file(path)
    with pytest.raises(SpecError, match="build config 'bad.yaml'"):
        read_build_config(path)
    with pytest.raises(SpecError, match="parameter value"):
        parse_cli_value(text)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("command", "text"),
    [("validate", ALIAS_BOMB), ("validate", DEEP), ("params", ALIAS_BOMB), ("build", DEEP)],
)
def test_cli_refuses_yaml_bombs_with_exit_2(tmp_path, school_csv, command, text):
    bad = tmp_path / "bad.yaml"
    bad.write_text(text, encoding="utf-8")
    if command == "validate":
        args = ["validate", str(school_csv), "--columns", str(bad)]
    elif command == "params":
        args = ["run", "panel_profile", "--data", str(school_csv), "--params-file", str(bad)]
    else:
        args = ["build", str(bad)]
    line = _one_error_line(_cli(*args, cwd=tmp_path))
    assert "bad.yaml" in line and ("aliases" in line or "deep" in line)


# --- CSV ----------------------------------------------------------------------------------


def _wide_csv(path: Path, n_columns: int, n_rows: int = 20) -> Path:
    frame = make_school_panel().head(n_rows)
    head = list(frame.columns) + [f"extra_{i}" for i in range(n_columns - frame.shape[1])]
    filler = "," + ",".join(["1"] * (n_columns - frame.shape[1]))
    body = [",".join(map(str, row)) + filler for row in frame.astype(str).to_numpy()]
    path.write_text(",".join(head) + "\n" + "\n".join(body) + "\n", encoding="utf-8")
    return path


def test_a_typo_in_the_map_of_a_100k_column_csv_is_found_from_the_header(tmp_path, monkeypatch):
    wide = _wide_csv(tmp_path / "wide.csv", 100_000)
    monkeypatch.setattr(read_module.pd, "read_csv", _no_reader)
    typo = {**SCHOOL_MAP, "time": "school_yaer"}
    with pytest.raises(
        SpecError, match=r"no column 'school_yaer' \(time\) \(did you mean 'school_year'"
    ):
        load_panel(wide, columns=typo)


def test_a_csv_with_more_columns_than_the_limit_is_refused_before_its_rows(tmp_path, monkeypatch):
    wide = _wide_csv(tmp_path / "wide.csv", 30_000)
    monkeypatch.setattr(read_module.pd, "read_csv", _no_reader)
    with pytest.raises(DataError, match=r"30,000 columns \(limit 20,000\).*IMPROVE_MAX_COLUMNS"):
        load_panel(wide, columns=SCHOOL_MAP)


def test_the_column_limit_can_be_raised(tmp_path, monkeypatch):
    # the default scaled down (20,000 -> 100) so the file is small; the rule is the same
    monkeypatch.setattr(limits_module, "MAX_COLUMNS", 100)
    wide = _wide_csv(tmp_path / "wide.csv", 150, n_rows=360)
    with pytest.raises(DataError, match=r"150 columns \(limit 100\)"):
        load_panel(wide, columns=SCHOOL_MAP)
    monkeypatch.setenv("IMPROVE_MAX_COLUMNS", "200")
    assert load_panel(wide, columns=SCHOOL_MAP).report.n_rows == 360


@pytest.mark.slow
def test_validate_reports_the_typo_of_a_wide_csv_with_one_line(tmp_path):
    wide = _wide_csv(tmp_path / "wide.csv", 100_000, n_rows=200)
    cmap = tmp_path / "map.yaml"
    cmap.write_text(yaml.safe_dump({**SCHOOL_MAP, "time": "school_yaer"}), encoding="utf-8")
    line = _one_error_line(_cli("validate", str(wide), "--columns", str(cmap), cwd=tmp_path))
    assert "school_yaer" in line and "did you mean 'school_year'" in line


# --- formats read whole -------------------------------------------------------------------


def test_a_stata_file_above_the_whole_file_limit_is_refused(tmp_path, monkeypatch):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(60_000, 4)), columns=list("abcd"))
    frame.to_stata(tmp_path / "big.dta", write_index=False)
    assert (tmp_path / "big.dta").stat().st_size > (1 << 20)
    monkeypatch.setenv("IMPROVE_MAX_WHOLE_FILE_MB", "1")
    monkeypatch.setattr(read_module.pd, "read_stata", _no_reader)
    with pytest.raises(
        DataError, match=r"read whole into memory \(limit 1 MB\).*IMPROVE_MAX_WHOLE"
    ):
        load_panel(tmp_path / "big.dta", columns=SCHOOL_MAP)


def test_a_limit_that_is_not_a_number_is_one_line(tmp_path, monkeypatch, school_csv):
    monkeypatch.setenv("IMPROVE_MAX_COLUMNS", "lots")
    with pytest.raises(DataError, match="IMPROVE_MAX_COLUMNS='lots' is not a number"):
        load_panel(school_csv, columns=SCHOOL_MAP)
