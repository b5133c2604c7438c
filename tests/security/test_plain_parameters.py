"""Issue #23 item 2: parameters are plain data, injected by a serializer we control.

The ``!!omap`` payload of the issue closes papermill's string literal and calls
``os.system``; through ``--params-file`` and through a build config's ``params:`` it must
be refused before any kernel starts, and its marker file never created.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from improve.errors import SpecError
from improve.runner.parameters import parse_cli_value
from improve.runner.plain_data import check_plain, load_yaml, python_literal
from improve.runner.run import improve_parameter_translator

from .harness import FILES, cli


def _payload(name: str, marker: Path, folder: Path) -> Path:
    text = (FILES / name).read_text(encoding="utf-8").replace("MARKER", str(marker))
    target = folder / name
    target.write_text(text, encoding="utf-8")
    return target


@pytest.mark.slow
def test_omap_params_file_is_refused_before_the_kernel(tmp_path: Path) -> None:
    marker = tmp_path / "PWNED"
    params = _payload("omap_params.yaml", marker, tmp_path)
    done = cli(
        "run",
        "evidence_summary",
        "--params-file",
        str(params),
        "--out",
        str(tmp_path / "reports"),
        "--no-pdf",
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "lower_is_better" in lines[0] and "!!omap" in lines[0]
    assert not marker.exists()
    assert not (tmp_path / "reports").exists() or not any((tmp_path / "reports").iterdir())


@pytest.mark.slow
def test_omap_in_a_build_config_is_refused(tmp_path: Path) -> None:
    marker = tmp_path / "PWNED"
    config = _payload("omap_build.yaml", marker, tmp_path)
    done = cli("build", str(config), "--out", str(tmp_path / "reports"))
    assert done.returncode != 0
    assert "lower_is_better" in done.stdout + done.stderr
    assert not marker.exists()
    assert not (tmp_path / "reports" / "omap-build").exists()


@pytest.mark.slow
@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("!!binary aGVsbG8=", "!!binary"),
        ("!!set {a, b}", "!!set"),
        ("!!timestamp 2024-09-01", "date"),
        ("!!pairs [{a: 1}]", "!!pairs"),
        ("{1: a}", "not text"),
        (".nan", "not finite"),
    ],
)
def test_cli_values_that_are_not_plain_data_exit_2(text: str, words: str, tmp_path: Path) -> None:
    done = cli("run", "did_evaluation", "-p", f"program={text}", "--out", str(tmp_path), "--no-pdf")
    assert done.returncode == 2
    assert "program" in done.stderr and words in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


@pytest.mark.slow
def test_python_tags_are_not_valid_yaml(tmp_path: Path) -> None:
    params = tmp_path / "p.yaml"
    params.write_text("program: !!python/object/apply:os.system ['id']\n", encoding="utf-8")
    done = cli("run", "did_evaluation", "--params-file", str(params), "--out", str(tmp_path))
    assert done.returncode == 2 and "not valid YAML" in done.stderr


def test_unquoted_dates_stay_text() -> None:
    assert parse_cli_value("2024-09-01") == "2024-09-01"
    assert load_yaml("start: 2024-09-01 10:00:00") == {"start": "2024-09-01 10:00:00"}


PLAIN_VALUES = [
    "a \"quoted\" and 'single' string",
    "back\\slash \\n not a newline",
    "line one\nline two\r\n\ttab",
    "unicode: é ü 漢字 \u2028 \u0000 \U0001f600",
    "'''\"\"\" + __import__('os').system('id') + \"\"\"'''",
    -3,
    2**70,
    0.1 + 0.2,
    -1e-300,
    True,
    None,
    [],
    {},
    ["a", 1, None, [True, {"k": "v"}]],
    {'key "with" quotes': {"nested'": ["x\n"]}, "": 0},
]


@pytest.mark.parametrize("value", PLAIN_VALUES)
def test_every_plain_value_is_injected_exactly(value: object) -> None:
    check_plain("p", value)
    assert ast.literal_eval(python_literal(value)) == value
    from papermill.translators import papermill_translators

    with improve_parameter_translator():
        source = papermill_translators.find_translator("python", "python").codify(
            {"p": value, "q": 1}
        )
    namespace: dict[str, object] = {}
    exec(compile(source, "<injected>", "exec"), {"__builtins__": {}}, namespace)
    assert namespace == {"p": value, "q": 1}
    tree = ast.parse(source)
    assert all(isinstance(node, ast.Assign) for node in tree.body)


@pytest.mark.parametrize(
    "value", [("a", 1), b"bytes", {1, 2}, float("inf"), {"k": [("x", 1)]}, {3: "int key"}]
)
def test_values_that_are_not_plain_data_are_refused(value: object) -> None:
    with pytest.raises(SpecError, match="parameter 'p'"):
        check_plain("p", value)
