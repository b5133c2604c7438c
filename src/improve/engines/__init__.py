"""Run estimators where the data lives (DuckDB, Spark SQL, PostgreSQL).

Only small aggregate tables come back to Python; see :mod:`improve.engines.attgt_sql`.
"""

from improve.engines.attgt_sql import EngineATTGT, att_gt_engine

__all__ = ["EngineATTGT", "att_gt_engine"]
