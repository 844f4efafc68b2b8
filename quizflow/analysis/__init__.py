"""Item statistics and difficulty models for quiz answers (numpy/scipy/polars, no IO).

- `fit_rasch`: Rasch (1PL) difficulties by marginal maximum likelihood, sparse answers.
- `item_statistics`, `wrong_answer_counts`, `cronbach_alpha`: classical (Moodle/Canvas) stats.
- `question_flags`: what a content editor should look at, with named thresholds.
- `hard_questions`: the ranked list combining all of the above.
"""

from quizflow.analysis.flags import FLAG_ADVICE, FlagThresholds, question_flags
from quizflow.analysis.hard_questions import hard_questions, rasch_difficulties
from quizflow.analysis.item_stats import (
    QuizReliability,
    cronbach_alpha,
    first_attempts,
    item_statistics,
    wrong_answer_counts,
)
from quizflow.analysis.rasch import RaschFit, fit_rasch

__all__ = [
    "FLAG_ADVICE",
    "FlagThresholds",
    "QuizReliability",
    "RaschFit",
    "cronbach_alpha",
    "first_attempts",
    "fit_rasch",
    "hard_questions",
    "item_statistics",
    "question_flags",
    "rasch_difficulties",
    "wrong_answer_counts",
]
