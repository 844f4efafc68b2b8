"""The item-response model: who knows how much, how hard each question is, how long it takes.

Rasch: P(correct) = 1 / (1 + exp(-(theta - b))), with theta a student's ability and b a
question's difficulty, both in logits. The warehouse's item statistics estimate b back from
the answers, so the true values here are what those estimates should recover.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from dataclasses import dataclass

from quizflow.quiz import Course
from quizflow.simulate.seeding import stream

# Authoring hints are guesses: the true difficulty strays from them by about this much.
DIFFICULTY_NOISE = 0.35
WHEEL_SPINNER_SHARE = 0.08
# Wheel-spinners answer hastily, as if weaker than they are, learn nothing from their mistakes
# and soon give up for the day; the next session they restart, and again do not pass.
WHEEL_SPIN_PENALTY = 1.2
WHEEL_SPIN_SPEED = 0.6
WHEEL_SPIN_PERSISTENCE = 0.2
GROWTH_PER_ANSWER = 0.015  # practice helps a little...
MAX_GROWTH = 1.0  # ...up to a point within a few weeks
MEDIAN_RESPONSE_S = (20.0, 60.0)  # easiest .. hardest question, for a student of average speed
RESPONSE_SPREAD = 0.45  # sigma of log response time
RESPONSE_LIMITS_S = (3.0, 600.0)


def p_correct(theta: float, difficulty: float) -> float:
    return 1.0 / (1.0 + math.exp(-(theta - difficulty)))


@dataclass
class Learner:
    """A student's traits; ``theta`` grows as they practise (mutable, owned by one student)."""

    theta: float
    speed: float  # multiplies response times; < 1 is quicker
    wheel_spinner: bool
    persistence: float  # 0..1: how unlikely the student leaves a session after a mistake
    start_theta: float = 0.0

    def __post_init__(self) -> None:
        self.start_theta = self.theta

    @property
    def effective_theta(self) -> float:
        return self.theta - WHEEL_SPIN_PENALTY if self.wheel_spinner else self.theta

    def practise(self) -> None:
        if not self.wheel_spinner:
            self.theta = min(self.theta + GROWTH_PER_ANSWER, self.start_theta + MAX_GROWTH)


def draw_learner(rng: random.Random) -> Learner:
    wheel_spinner = rng.random() < WHEEL_SPINNER_SHARE
    speed = math.exp(rng.gauss(0.0, 0.25)) * (WHEEL_SPIN_SPEED if wheel_spinner else 1.0)
    return Learner(
        theta=rng.gauss(0.0, 1.0),
        speed=speed,
        wheel_spinner=wheel_spinner,
        persistence=WHEEL_SPIN_PERSISTENCE if wheel_spinner else rng.betavariate(4.0, 1.5),
    )


def true_difficulties(seed: int, course: Course) -> dict[str, float]:
    """Each question's difficulty: the course's hint plus noise (hint missing: drawn at random)."""
    difficulties = {}
    for chapter in course.chapters:
        for question in chapter.questions:
            rng = stream(seed, "difficulty", question.question_id)
            hint = question.difficulty
            noise = rng.gauss(0.0, DIFFICULTY_NOISE)
            difficulties[question.question_id] = (
                rng.gauss(0.0, 1.0) if hint is None else hint + noise
            )
    return difficulties


def median_response_s(difficulty: float) -> float:
    """Harder questions take longer: log-linear from the easiest to the hardest median."""
    low, high = MEDIAN_RESPONSE_S
    share = min(max((difficulty + 2.0) / 4.0, 0.0), 1.0)  # b in -2..2 covers the range
    return low * (high / low) ** share


def response_s(rng: random.Random, difficulty: float, learner: Learner) -> float:
    seconds = (
        median_response_s(difficulty) * learner.speed * math.exp(rng.gauss(0.0, RESPONSE_SPREAD))
    )
    return min(max(seconds, RESPONSE_LIMITS_S[0]), RESPONSE_LIMITS_S[1])


def answers_correctly(
    rng: random.Random, learner: Learner, question_id: str, difficulties: Mapping[str, float]
) -> bool:
    return rng.random() < p_correct(learner.effective_theta, difficulties[question_id])
