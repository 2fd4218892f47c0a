"""Sense: what the target repository looks like, measured.

Tests under coverage in the target's own venv, run in the sandbox (``germinate.environments``)
on a copy of the commit (``execution``, ``environment``, ``testrun``, ``coverage``), results
cross-checked outside the tested process (``crosscheck``), radon per file cached by blob hash (``radon``), git facts (``gitstats``), improvement
candidates (``scout``), the ``Snapshot``/``Evaluation`` of a commit or change (``snapshot``)
and the reward between two measurements (``reward``). Prefect-free: ``tasks/sense.py`` wraps it.
"""

from germinate.metrics.coverage import diff_coverage
from germinate.metrics.radon import measure_complexity
from germinate.metrics.reward import compute_reward
from germinate.metrics.scout import scout
from germinate.metrics.snapshot import (
    evaluate_change,
    measure_tests,
    record_snapshot,
    take_snapshot,
)

__all__ = [
    "compute_reward",
    "diff_coverage",
    "evaluate_change",
    "measure_complexity",
    "measure_tests",
    "record_snapshot",
    "scout",
    "take_snapshot",
]
