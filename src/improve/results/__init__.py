"""What every estimator returns: one tidy table, one field vocabulary, one display.

Every result object in improve (staggered DiD, fixed effects, synthetic control, regression
discontinuity, control charts, ...) derives from :class:`Result` and builds its tidy table
with :func:`tidy_frame`, so the columns are the same everywhere:
``term, estimate, std_error, statistic, p_value, conf_low, conf_high`` (plus the columns a
design adds, such as ``event_time``). Field names follow one vocabulary: ``estimate``,
``std_error``, ``df``, ``conf_low``/``conf_high``, ``vcov_type``, ``confidence_level``,
``pretrend_*``.

Results never format HTML themselves: :meth:`Result._repr_html_` hands the title, table and
notes to :mod:`improve.report.display`.
"""

from improve.results.base import Result
from improve.results.tidy import TIDY_COLUMNS, fmt_num, text_table, tidy_frame

__all__ = ["TIDY_COLUMNS", "Result", "fmt_num", "text_table", "tidy_frame"]
