"""The chapter quiz domain: commands, events, state, rules and answer checking.

Pure: imports nothing but the standard library, so the rules run the same in the web app,
the simulator and the tests.
"""

from quizflow.quiz.answers import check, normalise
from quizflow.quiz.commands import Command, NextQuestion, StartOver, StartQuiz, SubmitAnswer
from quizflow.quiz.course import Chapter, Course, CourseError, Field, Question, WrongAnswer
from quizflow.quiz.decide import STREAK_TO_PASS, Code, RandomSource, Rejected, decide
from quizflow.quiz.equivalence import Equivalence
from quizflow.quiz.events import (
    EVENT_TYPES,
    ClassRegistered,
    CoursePublished,
    Event,
    QuestionAnsweredCorrectly,
    QuestionAnsweredIncorrectly,
    QuestionAssigned,
    QuizEvent,
    QuizPassed,
    QuizStarted,
    QuizStartedOver,
    RosterEvent,
    SchoolRegistered,
    StudentEnrolled,
    course_stream_id,
    quiz_stream_id,
    roster_stream_id,
    stream_id,
)
from quizflow.quiz.payloads import PayloadError, UnknownEventType, from_payload, to_payload
from quizflow.quiz.state import INITIAL, QuizState, Status, evolve, fold

__all__ = [
    "EVENT_TYPES",
    "INITIAL",
    "STREAK_TO_PASS",
    "Chapter",
    "ClassRegistered",
    "Code",
    "Command",
    "Course",
    "CourseError",
    "CoursePublished",
    "Equivalence",
    "Event",
    "Field",
    "NextQuestion",
    "PayloadError",
    "Question",
    "QuestionAnsweredCorrectly",
    "QuestionAnsweredIncorrectly",
    "QuestionAssigned",
    "QuizEvent",
    "QuizPassed",
    "QuizStarted",
    "QuizStartedOver",
    "QuizState",
    "RandomSource",
    "Rejected",
    "RosterEvent",
    "SchoolRegistered",
    "StartOver",
    "StartQuiz",
    "Status",
    "StudentEnrolled",
    "SubmitAnswer",
    "UnknownEventType",
    "WrongAnswer",
    "check",
    "course_stream_id",
    "decide",
    "evolve",
    "fold",
    "from_payload",
    "normalise",
    "quiz_stream_id",
    "roster_stream_id",
    "stream_id",
    "to_payload",
]
