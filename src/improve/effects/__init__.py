"""Effect sizes and evidence conventions for education audiences."""

from improve.effects.size import OutcomeSD, outcome_sd, to_sd_units

__all__ = ["OutcomeSD", "outcome_sd", "to_sd_units"]
