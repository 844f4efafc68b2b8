"""Synthetic students driving the real command handler (``quizflow simulate``).

Deterministic: the same seed gives the same events, ids and timestamps included, whatever
the thread interleaving; a re-run appends nothing. See ``runner.simulate``.
"""

from quizflow.simulate.config import DayDone, SimulationConfig, Summary
from quizflow.simulate.runner import simulate

__all__ = ["DayDone", "SimulationConfig", "Summary", "simulate"]
