"""Reads of policy data."""

from __future__ import annotations

from minsheng.policy.parameters import ParameterSet, default_parameters


def active_parameters() -> ParameterSet:
    """The parameter set rules evaluate with: the shipped YAML files (and, once approved, local
    values proposed in the UI). Every rule and screening looks parameters up through this."""
    return default_parameters()
