"""Run every benchmark in this folder with the current interpreter (``make bench``).

Each ``bench_*.py`` times ``improve`` against the peer packages of the ``reference`` extra in
one run and prints ratios. Extra arguments are passed to every script. The scripts in
:data:`EXTRA` (not peer comparisons) run after them with the same arguments (they ignore
``--peers``).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
#: Other benchmarks run by ``make bench``: the 5-million-row student file (about 2 minutes).
EXTRA = ("large_student_file.py",)


def main(argv: list[str]) -> int:
    """Run each benchmark; return non-zero if any failed."""
    failures = 0
    for script in [*sorted(HERE.glob("bench_*.py")), *(HERE / name for name in EXTRA)]:
        print(f"== {script.name}", flush=True)
        result = subprocess.run([sys.executable, str(script), "--peers", *argv], check=False)
        failures += result.returncode != 0
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
