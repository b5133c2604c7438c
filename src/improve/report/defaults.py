"""Workbook parameters resolved against the column map, and option translation.

A workbook parameter left empty means "what the column map declares": outcomes,
covariates, cluster, weights and subgroups. These helpers keep that rule, and the
translation of report-level options (confidence level, bootstrap draws) into estimator
options, out of the notebook cells.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from improve.errors import SpecError

#: The demo runs' parameters per workbook, in the demo data folder.
DEMO_PARAMS_FILE = "workbook_params.yaml"
#: Parameters naming files: relative names are resolved against the demo data folder.
_FILE_PARAMETERS = ("subgroup_path", "subgroup_map", "population_path", "run_path")

__all__ = [
    "DEMO_PARAMS_FILE",
    "demo_workbook_params",
    "did_options",
    "from_map",
    "map_outcomes",
    "outcome_domains",
    "robustness_variants",
]


def from_map(value: Any, panel: Any, role: str) -> Any:
    """``value`` if given, else the column map's entry for ``role`` (None when it has none).

    Parameters
    ----------
    value : Any
        The workbook parameter; ``""``, ``None``, ``[]`` and ``{}`` mean "from the map".
    panel : Panel
    role : {"outcomes", "covariates", "cluster", "weight", "subgroups", "doses"}
    """
    if value not in (None, "", [], {}):
        return value
    declared = getattr(panel.spec, role, None)
    if isinstance(declared, tuple):
        return list(declared)
    return declared


def map_outcomes(panel: Any, outcomes: Sequence[str] | None = None) -> list[str]:
    """Outcomes to analyse: ``outcomes`` if given, else every outcome the map declares.

    Raises
    ------
    SpecError
        Neither the parameter nor the map names an outcome, or a named outcome is not a
        column of the panel.
    """
    chosen = list(from_map(list(outcomes or []), panel, "outcomes") or [])
    if not chosen:
        raise SpecError(
            "no outcomes: list them under 'outcomes:' in the column map or pass -p outcomes=[...]"
        )
    # a LazyPanel holds just the spec's columns (renamed in its engine)
    present = panel.data.columns if hasattr(panel, "data") else panel.spec.required_columns()
    missing = [o for o in chosen if o not in present]
    if missing:
        raise SpecError(
            f"outcomes {missing} are not columns of the data; the map declares "
            f"{list(panel.spec.outcomes)}"
        )
    return chosen


def outcome_domains(panel: Any, outcomes: Mapping[str, str] | None = None) -> dict[str, str]:
    """Outcome → outcome domain; with none given, the map's outcomes in one domain.

    Benjamini–Hochberg adjustment is applied within domains, so one domain for all of the
    map's outcomes adjusts across all of them.
    """
    if outcomes:
        return {str(k): str(v) for k, v in outcomes.items()}
    return {o: "all outcomes" for o in map_outcomes(panel)}


def did_options(
    *,
    control_group: str,
    covariates: Sequence[str],
    est_method: str,
    cluster: str | None,
    anticipation: int,
    confidence_level: float,
    bootstrap_draws: int,
    seed: int,
    base_period: str = "varying",
    cluster_correction: str = "CR2",
    balanced_panel: bool = False,
) -> dict[str, Any]:
    """Options for :func:`improve.did.att_gt` from the DiD workbook's parameters.

    ``confidence_level`` becomes ``alpha = 1 - confidence_level``; ``bootstrap_draws = 0``
    turns the multiplier bootstrap (uniform bands) off. ``base_period`` and
    ``cluster_correction`` are R ``did``'s option and the small-sample correction
    (``"none"`` with ``base_period="varying"`` reproduces R's numbers).
    ``balanced_panel=False`` uses the unbalanced-panel estimator, so units with a
    suppressed or missing value are not dropped (on a balanced panel both give the same
    numbers); ``True`` keeps only complete units, and the design check states the drop.
    """
    if not 0 < confidence_level < 1:
        raise SpecError(f"confidence_level must be between 0 and 1, got {confidence_level}")
    if bootstrap_draws < 0:
        raise SpecError(f"bootstrap_draws must be 0 or more, got {bootstrap_draws}")
    return {
        "control_group": control_group,
        "covariates": list(covariates),
        "est_method": est_method,
        "cluster": cluster or None,
        "anticipation": anticipation,
        "alpha": 1 - confidence_level,
        "bootstrap": bootstrap_draws > 0,
        "n_boot": max(bootstrap_draws, 1),
        "seed": seed,
        "base_period": base_period,
        "cluster_correction": cluster_correction,
        "allow_unbalanced_panel": not balanced_panel,
    }


def robustness_variants(
    options: Mapping[str, Any], map_covariates: Sequence[str]
) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """The base options (no bootstrap) and the variants of the DiD robustness table.

    Variants: the other comparison group; without covariates when the main estimate uses
    them, else with the map's covariates (doubly robust) when the map declares some.
    """
    base = {k: v for k, v in options.items() if k not in ("bootstrap", "n_boot", "seed")}
    current = options.get("control_group", "notyettreated")
    other = "nevertreated" if current == "notyettreated" else "notyettreated"
    variants: dict[str, dict[str, Any]] = {f"{other} comparison": {"control_group": other}}
    if options.get("covariates"):
        variants["without covariates"] = {"covariates": []}
    elif map_covariates:
        variants["with the map's covariates"] = {
            "covariates": list(map_covariates),
            "est_method": "dr",
        }
    return base, variants


def demo_workbook_params(workbook: str) -> dict[str, Any]:
    """The parameters the demo runs pass to ``workbook`` (``data/demo/workbook_params.yaml``).

    Workbooks default to the column map; the demo reports keep their published choices
    (two of the map's seven outcomes, no covariates, the demo's wording and subgroup file)
    by passing these. File parameters are returned as paths inside the demo folder.
    """
    import yaml

    from improve.paths import demo_dir

    path = demo_dir() / DEMO_PARAMS_FILE
    content = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else {}
    params = dict((content or {}).get(workbook) or {})
    for key in _FILE_PARAMETERS:
        if params.get(key):
            params[key] = str(demo_dir() / params[key])
    return params
