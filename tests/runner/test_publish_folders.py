"""Faults: killed runs, unwritable and full output folders never corrupt or fake a report."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from improve.errors import OutputError
from improve.runner import run_workbook


def _start_run(school_csv: Path, school_map: Path, out: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "improve.cli",
            "run",
            "panel_profile",
            "--data",
            str(school_csv),
            "--columns",
            str(school_map),
            "--out",
            str(out),
            "--run-id",
            "kill",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_killed_run_leaves_earlier_report_intact(sig, tmp_path, school_csv, school_map):
    out = tmp_path / "reports"
    first = run_workbook("panel_profile", school_csv, columns=school_map, out=out, run_id="kill")
    before = {
        p.relative_to(first.folder): p.read_bytes() for p in first.folder.rglob("*") if p.is_file()
    }

    proc = _start_run(school_csv, school_map, out)
    deadline = time.monotonic() + 60
    while not list(out.glob(".tmp-kill-*")) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert list(out.glob(".tmp-kill-*")), "the run never started writing"
    time.sleep(1.0)  # mid-way: the kernel is executing cells
    os.killpg(proc.pid, sig)
    proc.wait(timeout=60)
    assert proc.returncode != 0

    after = {
        p.relative_to(first.folder): p.read_bytes() for p in first.folder.rglob("*") if p.is_file()
    }
    assert after == before, "the earlier complete report changed"
    visible = sorted(p.name for p in out.iterdir() if not p.name.startswith("."))
    assert visible == ["index.html", "kill"], visible
    for tmp in out.glob(".tmp-kill-*"):
        assert not (tmp / "manifest.json").exists(), "a killed run looks complete"

    again = run_workbook("panel_profile", school_csv, columns=school_map, out=out, run_id="kill")
    assert again.status == "complete"
    assert not list(out.glob(".tmp-kill-*")), "stale temporary folders were not cleaned"


@pytest.mark.slow
def test_unwritable_output_folder_is_a_clear_error(tmp_path, school_csv, school_map):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "improve.cli",
            "run",
            "panel_profile",
            "--data",
            str(school_csv),
            "--columns",
            str(school_map),
            "--out",
            str(blocker / "reports"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("error: cannot write reports to") and "--out" in last
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_disk_full_while_publishing(monkeypatch, tmp_path, school_csv, school_map):
    import improve.runner.publish.manifest as manifest

    def full(*_args, **_kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(manifest, "write_json", full)
    out = tmp_path / "reports"
    with pytest.raises(OutputError, match="No space left on device; free disk space"):
        run_workbook("panel_profile", school_csv, columns=school_map, out=out, run_id="full")
    assert not (out / "full").exists()
    assert not list(out.glob(".tmp-full-*"))
