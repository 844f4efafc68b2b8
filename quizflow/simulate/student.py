"""One simulated student: their sessions, and the commands they send in each.

A student knows only what a client would: the events their own commands caused. On a
re-run the handler answers each command with the events it caused the first time, so the
student takes exactly the same path again and appends nothing.
"""

from __future__ import annotations

import math
import random
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from quizflow.quiz import (
    Chapter,
    Command,
    Course,
    NextQuestion,
    StartOver,
    StartQuiz,
    SubmitAnswer,
)
from quizflow.simulate.ability import Learner, answers_correctly, p_correct, response_s
from quizflow.simulate.answers import WrongAnswerModel, right
from quizflow.simulate.driver import Driver, DriverReply
from quizflow.simulate.faults import (
    AMBIGUOUS,
    STRONG_DISTRACTOR,
    STRONG_DISTRACTOR_PULL,
    PlantedFault,
)
from quizflow.simulate.roster import Enrolment
from quizflow.simulate.schedule import Session, sessions_on
from quizflow.simulate.seeding import uuid_from
from quizflow.simulate.tally import Tally

REVIEW_SHARE = 0.3  # of sessions after finishing the course: one more go at some chapter
# Frustration builds up: after the n-th wrong answer of a session a student leaves with
# probability n * GIVE_UP_PER_MISTAKE * (1 - persistence).
GIVE_UP_PER_MISTAKE = 0.06
# Seconds between seeing a result and the next click: (median, log spread).
PAUSE_AFTER_CORRECT = (4.0, 0.5)
PAUSE_AFTER_WRONG = (15.0, 0.6)  # reading why it was wrong
PAUSE_BEFORE_START = (10.0, 0.5)  # finding the chapter

_STATUS = {  # QuizState.status -> what the student believes, after a rejection
    "awaiting-answer": "awaiting",
    "answered-correctly": "correct",
    "answered-incorrectly": "wrong",
    "passed": "passed",
}


@dataclass
class Quiz:
    """The student's view of one chapter quiz."""

    status: str = "not-started"  # | awaiting | correct | wrong | passed
    question_id: str | None = None


@dataclass
class Models:
    """What all students share (read only): the course and the question models.

    ``course`` is the course as its authors meant it (right keys): students answer from what
    they know, whatever key was published.
    """

    course: Course
    difficulties: dict[str, float]
    wrong_answers: WrongAnswerModel
    faults: Mapping[str, PlantedFault] = field(default_factory=dict)


@dataclass
class SimStudent:
    enrolment: Enrolment
    learner: Learner
    rng: random.Random  # behaviour
    ids: random.Random  # command and session ids: a separate stream, so ids never shift choices
    models: Models
    tally: Tally = field(default_factory=Tally)
    quizzes: dict[str, Quiz] = field(default_factory=dict)
    passed: set[str] = field(default_factory=set)
    _last_event: uuid.UUID | None = None

    def live(self, day: date, lessons: list[int], driver: Driver) -> None:
        """Take today's sessions; ``lessons``: when the class practises today."""
        for session in sessions_on(self.rng, lessons, day):
            self._session(session, driver)

    def _session(self, session: Session, driver: Driver) -> None:
        chapter = self._next_chapter()
        reviewing = chapter is None
        if chapter is None:
            if self.rng.random() >= REVIEW_SHARE:
                return  # done with the course: does something else this lesson
            chapter = self.rng.choice(self.models.course.chapters)
        self.tally.sessions += 1
        # The session is the correlation id of every command in it (metadata, for tracing).
        correlation = uuid_from(self.ids)
        self._last_event = correlation
        clock = session.start
        mistakes = 0
        passes = self.tally.passes
        while True:
            quiz = self.quizzes.setdefault(chapter.chapter_id, Quiz())
            ids = (self.enrolment.student_id, self.models.course.course_id, chapter.chapter_id)
            command: Command
            if quiz.status == "awaiting" and quiz.question_id is not None:
                clock += self._seconds(response_s(self.rng, self._difficulty(quiz), self.learner))
                if clock > session.end:
                    return  # the bell: the question stays assigned until next time
                command = SubmitAnswer(*ids, quiz.question_id, self._inputs(chapter, quiz))
            elif quiz.status == "correct":
                clock += self._pause(PAUSE_AFTER_CORRECT)
                command = NextQuestion(*ids)
            elif quiz.status == "wrong":
                mistakes += 1
                if self.rng.random() < GIVE_UP_PER_MISTAKE * mistakes * (
                    1.0 - self.learner.persistence
                ):
                    self.tally.sessions_quit_early += 1
                    return
                clock += self._pause(PAUSE_AFTER_WRONG)
                command = StartOver(*ids)
            elif quiz.status == "passed" and self.tally.passes > passes:
                # Passed just now: on to the next chapter, unless this was today's review.
                next_chapter = None if reviewing else self._next_chapter()
                if next_chapter is None:
                    return
                chapter, mistakes, passes = next_chapter, 0, self.tally.passes
                continue
            else:  # not started, or passed in an earlier session: a new attempt
                clock += self._pause(PAUSE_BEFORE_START)
                command = StartQuiz(*ids)
            if clock > session.end:
                return
            if self._send(driver, chapter, command, clock, correlation).status != "ok":
                return  # out of step with the quiz; _send has caught up, next session resumes

    def _next_chapter(self) -> Chapter | None:
        return next(
            (c for c in self.models.course.chapters if c.chapter_id not in self.passed), None
        )

    def _difficulty(self, quiz: Quiz) -> float:
        return self.models.difficulties.get(quiz.question_id or "", 0.0)

    def _inputs(self, chapter: Chapter, quiz: Quiz) -> dict[str, str]:
        question = chapter.question(quiz.question_id or "")
        if question is None:  # the course changed under us; any answer will be rejected
            return {"_INPUT_1_": "?"}
        fault = self.models.faults.get(question.question_id)
        if fault is not None and fault.fault == AMBIGUOUS:
            # Knowing the topic does not help: everyone has an average student's chance.
            chance = p_correct(0.0, self.models.difficulties[question.question_id])
            correct = self.rng.random() < chance
        else:
            correct = answers_correctly(
                self.rng, self.learner, question.question_id, self.models.difficulties
            )
        self.learner.practise()
        if correct:
            if (
                fault is not None
                and fault.fault == STRONG_DISTRACTOR
                and fault.answer is not None
                and self.rng.random() < STRONG_DISTRACTOR_PULL
            ):
                return dict(fault.answer)
            return right(self.rng, question)
        return self.models.wrong_answers.wrong(self.rng, question)

    def _seconds(self, seconds: float) -> timedelta:
        # Whole milliseconds: what a browser clock gives, and what response_ms is counted in.
        return timedelta(milliseconds=max(1, round(seconds * 1000)))

    def _pause(self, shape: tuple[float, float]) -> timedelta:
        median, spread = shape
        return self._seconds(max(1.0, median * math.exp(self.rng.gauss(0.0, spread))))

    def _send(
        self,
        driver: Driver,
        chapter: Chapter,
        command: Command,
        at: datetime,
        correlation: uuid.UUID,
    ) -> DriverReply:
        command_id = uuid_from(self.ids)
        outcome = driver.send(
            self.enrolment.student_id,
            command,
            command_id=command_id,
            occurred_at=at,
            correlation_id=correlation,
            causation_id=self._last_event or correlation,
        )
        self.tally.commands += 1
        self.tally.events_appended += outcome.appended
        quiz = self.quizzes[chapter.chapter_id]
        if outcome.status != "ok":
            self.tally.rejected += 1
            quiz.status = _STATUS.get(outcome.quiz_status, "not-started")
            quiz.question_id = outcome.question_id
            return outcome
        if outcome.events and outcome.appended == 0:
            self.tally.replayed += 1
        if outcome.event_ids:
            self._last_event = outcome.event_ids[-1]
        for type_name, data in outcome.events:
            self._see(chapter, quiz, type_name.rsplit("/", 1)[-1], data)
        return outcome

    def _see(self, chapter: Chapter, quiz: Quiz, name: str, data: Mapping[str, Any]) -> None:
        if name == "QuizStarted":
            quiz.status, quiz.question_id = "awaiting", None
        elif name == "QuestionAssigned":
            quiz.status, quiz.question_id = "awaiting", str(data["question_id"])
        elif name == "QuestionAnsweredCorrectly":
            quiz.status = "correct"
            self.tally.answers += 1
            self.tally.correct += 1
        elif name == "QuestionAnsweredIncorrectly":
            quiz.status = "wrong"
            self.tally.answers += 1
        elif name == "QuizStartedOver":
            self.tally.restarts += 1
        elif name == "QuizPassed":
            quiz.status = "passed"
            self.passed.add(chapter.chapter_id)
            self.tally.passes += 1
