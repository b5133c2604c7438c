"""Regenerate every stored reference result (``make references``).

Runs each ``make_*_references.py`` in this folder with the current interpreter, which must
have the ``reference`` extra installed (peer packages such as moderndid and pyfixest).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    """Run each generator; return non-zero if any failed."""
    failures = 0
    for script in sorted(HERE.glob("make_*_references.py")):
        print(f"== {script.name}", flush=True)
        failures += subprocess.run([sys.executable, str(script)], check=False).returncode != 0
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
