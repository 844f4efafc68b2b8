"""The simulator's item-response model: abilities, difficulties, growth and response times."""

from __future__ import annotations

import math
import statistics

from quizflow.content import load_course_file, sample_course_path
from quizflow.quiz import Course
from quizflow.simulate.ability import (
    DIFFICULTY_NOISE,
    MAX_GROWTH,
    MEDIAN_RESPONSE_S,
    WHEEL_SPINNER_SHARE,
    Learner,
    draw_learner,
    median_response_s,
    p_correct,
    response_s,
    true_difficulties,
)
from quizflow.simulate.seeding import stream

COURSE = Course.from_data(load_course_file(sample_course_path()))


def test_a_student_as_able_as_the_question_is_hard_answers_it_right_half_the_time() -> None:
    assert p_correct(0.7, 0.7) == 0.5
    assert p_correct(1.0, 0.0) == 1 / (1 + math.exp(-1))
    assert p_correct(-1.0, 0.0) < p_correct(0.0, 0.0) < p_correct(1.0, 0.0)


def test_abilities_are_standard_normal_and_some_students_wheel_spin() -> None:
    learners = [draw_learner(stream(3, "learner", i)) for i in range(4000)]
    thetas = [learner.theta for learner in learners]
    assert abs(statistics.fmean(thetas)) < 0.06
    assert abs(statistics.stdev(thetas) - 1.0) < 0.05
    share = sum(learner.wheel_spinner for learner in learners) / len(learners)
    assert abs(share - WHEEL_SPINNER_SHARE) < 0.02


def test_true_difficulties_follow_the_authors_hints_with_some_noise() -> None:
    difficulties = true_difficulties(1, COURSE)
    questions = [q for chapter in COURSE.chapters for q in chapter.questions]
    assert set(difficulties) == {q.question_id for q in questions}
    gaps = [difficulties[q.question_id] - (q.difficulty or 0.0) for q in questions]
    assert all(abs(gap) < 4 * DIFFICULTY_NOISE for gap in gaps)
    assert 0 < statistics.stdev(gaps) < 2 * DIFFICULTY_NOISE
    assert true_difficulties(1, COURSE) == difficulties
    assert true_difficulties(2, COURSE) != difficulties


def test_practice_makes_a_student_slightly_better_up_to_a_limit() -> None:
    learner = Learner(theta=-0.5, speed=1.0, wheel_spinner=False, persistence=0.8)
    learner.practise()
    assert learner.theta > -0.5
    for _ in range(1000):
        learner.practise()
    assert learner.theta == -0.5 + MAX_GROWTH


def test_a_wheel_spinner_learns_nothing_and_answers_as_if_weaker() -> None:
    learner = Learner(theta=0.3, speed=1.0, wheel_spinner=True, persistence=0.2)
    for _ in range(50):
        learner.practise()
    assert learner.theta == 0.3
    assert learner.effective_theta < learner.theta


def test_harder_questions_take_longer_between_twenty_seconds_and_a_minute() -> None:
    low, high = MEDIAN_RESPONSE_S
    assert median_response_s(-2.0) == low and median_response_s(2.0) == high
    assert median_response_s(-0.5) < median_response_s(0.5)


def test_response_times_are_lognormal_around_the_median() -> None:
    learner = Learner(theta=0.0, speed=1.0, wheel_spinner=False, persistence=0.8)
    rng = stream(1, "test")
    times = [response_s(rng, 0.0, learner) for _ in range(5000)]
    assert abs(statistics.median(times) / median_response_s(0.0) - 1) < 0.05
    assert statistics.fmean(times) > statistics.median(times)  # skewed to the right
    logs = [math.log(t) for t in times]
    assert abs(statistics.fmean(logs) - math.log(median_response_s(0.0))) < 0.03
