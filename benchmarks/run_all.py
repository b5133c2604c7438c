"""Run every benchmark in this folder with the current interpreter (``make bench``).

Each script in :data:`PEER_BENCHMARKS` times ``improve`` against the peer packages of the
``reference`` extra in one run and prints ratios. Extra arguments are passed to every
script. The scripts in :data:`EXTRA` (not peer comparisons) run after them with the same
arguments (they ignore ``--peers``).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
#: Speed and memory against the peers: staggered DiD and fixed effects.
PEER_BENCHMARKS = ("did_speed.py", "fe_speed.py")
#: Other benchmarks run by ``make bench``: the 5-million-row student file (about 2 minutes)
#: the import time of the package (seconds), and the HonestDiD sensitivity / event-study
#: workbook against the previous implementation. ``demo_time.py`` (every workbook) is run by hand.
EXTRA = ("large_student_file.py", "import_time.py", "honest_speed.py")


def main(argv: list[str]) -> int:
    """Run each benchmark; return non-zero if any failed."""
    failures = 0
    for script in [HERE / name for name in (*PEER_BENCHMARKS, *EXTRA)]:
        print(f"== {script.name}", flush=True)
        result = subprocess.run([sys.executable, str(script), "--peers", *argv], check=False)
        failures += result.returncode != 0
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
