"""improve: evaluation workbooks for continuous improvement in K-12 education."""

from __future__ import annotations

__version__ = "0.1.0"
