"""The key's fit test (`key_z`) on sound questions whose difficulty is known only roughly."""

from __future__ import annotations

import numpy as np
import polars as pl

from quizflow.analysis.answer_evidence import question_evidence


def sound_answers(questions: int, answers: int, difficulty: float, error: float) -> pl.DataFrame:
    """Rasch answers to sound questions of ``difficulty``, with the model's chance of each
    right answer computed from a difficulty off by ``error`` (an estimate from other data)."""
    rng = np.random.default_rng(7)
    ability = rng.normal(0.0, 1.0, (questions, answers))
    right = rng.random((questions, answers)) < 1.0 / (1.0 + np.exp(difficulty - ability))
    expected = 1.0 / (1.0 + np.exp(difficulty + error - ability))
    return pl.DataFrame(
        {
            "question_id": np.repeat(np.arange(questions), answers),
            "answer": np.where(right, "R", "W").ravel(),
            "correct": right.ravel(),
            "_ability": ability.ravel(),
            "_expected": expected.ravel(),
        }
    )


def test_a_sound_hard_question_fits_its_key_though_its_difficulty_is_off() -> None:
    # The slope's test centres strength where the question's answers carry information (near
    # its difficulty): centred on the plain mean, a difficulty off by 0.6 logits moves every
    # sound hard question's z by about 1.4 (a misfit when the estimate is too easy).
    for error in (-0.6, 0.0, 0.6):
        evidence = question_evidence(sound_answers(300, 200, 1.5, error), min_choosers=8)
        key_z = np.array([e.key_z for e in evidence.values()])
        assert abs(key_z.mean()) < 0.5, (error, key_z.mean())
        assert 0.75 < key_z.std() < 1.3, (error, key_z.std())


def test_an_ambiguous_question_misfits_its_key() -> None:
    frame = sound_answers(50, 200, 0.0, 0.0)
    # Right or wrong by chance alone, whatever the strength.
    coin = np.random.default_rng(3).random(frame.height) < 0.5
    frame = frame.with_columns(
        pl.Series("correct", coin), pl.Series("answer", np.where(coin, "R", "W"))
    )
    key_z = np.array([e.key_z for e in question_evidence(frame, min_choosers=8).values()])
    assert (key_z < -3.0).mean() > 0.9
