"""The domain events, as plain frozen data (type names and fields: docs/events.md).

Events carry no ids or timestamps: the store's envelope adds those, so events compare
equal by their content and given/when/then tests can write them down literally.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final
from urllib.parse import quote

from quizflow.quiz.course import Course


@dataclass(frozen=True)
class Sealed:
    """Personal text (a name) encrypted with a key of its subject's own (AES-256-GCM); the key
    id travels with it. Destroying the key erases the text from every copy of the log.
    Opening it is IO (the key store), so it happens outside the domain (quizflow.privacy)."""

    key_id: str
    nonce: str  # base64
    ciphertext: str  # base64, the GCM tag included


# Old logs carry names in plain text; readers keep working with both (see docs/events.md).
PersonalText = Sealed | str


@dataclass(frozen=True)
class QuizStarted:
    student_id: str
    course_id: str
    chapter_id: str
    attempt: int


@dataclass(frozen=True)
class QuestionAssigned:
    student_id: str
    course_id: str
    chapter_id: str
    attempt: int
    question_id: str
    # The question's version (quizflow.quiz.versions); events from before versions read 1.
    question_version: int = 1


@dataclass(frozen=True)
class QuestionAnsweredCorrectly:
    student_id: str
    course_id: str
    chapter_id: str
    attempt: int
    question_id: str
    inputs: Mapping[str, str]
    streak: int  # correct answers in a row, this one included
    question_version: int = 1  # the version answered (and graded by): the one assigned

    def __post_init__(self) -> None:
        # A copy, so that the caller mutating its dict cannot change a recorded fact.
        object.__setattr__(self, "inputs", dict(self.inputs))


@dataclass(frozen=True)
class QuestionAnsweredIncorrectly:
    student_id: str
    course_id: str
    chapter_id: str
    attempt: int
    question_id: str
    inputs: Mapping[str, str]
    question_version: int = 1

    def __post_init__(self) -> None:
        object.__setattr__(self, "inputs", dict(self.inputs))


@dataclass(frozen=True)
class QuizStartedOver:
    student_id: str
    course_id: str
    chapter_id: str
    attempt: int


@dataclass(frozen=True)
class QuizPassed:
    student_id: str
    course_id: str
    chapter_id: str
    attempt: int


@dataclass(frozen=True)
class UnreadableAnswerRefused:
    """An answer the quiz could not read as what its fields expect (``abc`` for a number,
    ``3/8`` where a decimal is asked): refused with a hint, it changes nothing in the quiz
    (not an answer, no streak lost) and is kept only for the analytics of notation trouble.
    ``reasons`` maps each unreadable field to why (quizflow.quiz.readable.REASONS)."""

    student_id: str
    course_id: str
    chapter_id: str
    attempt: int
    question_id: str
    inputs: Mapping[str, str]
    reasons: Mapping[str, str]

    def __post_init__(self) -> None:
        object.__setattr__(self, "inputs", dict(self.inputs))
        object.__setattr__(self, "reasons", dict(self.reasons))


@dataclass(frozen=True)
class CoursePublished:
    """The whole course; the latest published version wins."""

    course: Course

    @property
    def course_id(self) -> str:
        return self.course.course_id


@dataclass(frozen=True)
class SchoolRegistered:
    school_id: str
    name: str


@dataclass(frozen=True)
class SchoolTimeZoneChanged:
    """The school's clock: times shown to its people are in ``time_zone`` (an IANA name such
    as ``Europe/Amsterdam``). A school without this event keeps the default zone."""

    school_id: str
    time_zone: str


@dataclass(frozen=True)
class ClassRegistered:
    school_id: str
    class_id: str
    name: str
    teacher_id: str
    teacher_name: PersonalText


@dataclass(frozen=True)
class StudentEnrolled:
    school_id: str
    class_id: str
    student_id: str
    name: PersonalText


@dataclass(frozen=True)
class StudentMoved:
    """The student now belongs to ``class_id`` (another class of the same school)."""

    school_id: str
    student_id: str
    class_id: str


@dataclass(frozen=True)
class StudentRenamed:
    school_id: str
    student_id: str
    name: PersonalText


# Accounts: who may sign in, in which roles. Credentials are not events (they must stay
# changeable and erasable); these are the account's lifecycle facts.
ROLES: Final = ("student", "teacher", "editor", "admin")


@dataclass(frozen=True)
class AccountCreated:
    """An account for a person; a student's or teacher's account_id is their roster id."""

    account_id: str
    school_id: str
    name: PersonalText
    roles: tuple[str, ...]


@dataclass(frozen=True)
class RoleGranted:
    account_id: str
    role: str


@dataclass(frozen=True)
class RoleRevoked:
    account_id: str
    role: str


@dataclass(frozen=True)
class AccountDeactivated:
    account_id: str


@dataclass(frozen=True)
class AccountReactivated:
    account_id: str


@dataclass(frozen=True)
class EmailAddressChanged:
    """Where the account's mail goes (teachers' weekly reports); ``None`` removes it."""

    account_id: str
    email: PersonalText | None


@dataclass(frozen=True)
class PersonErased:
    """The person's key is destroyed: every sealed text of theirs is unreadable for good.
    Carries no name; answers, timings and statistics stay."""

    account_id: str


QuizEvent = (
    QuizStarted
    | QuestionAssigned
    | QuestionAnsweredCorrectly
    | QuestionAnsweredIncorrectly
    | QuizStartedOver
    | QuizPassed
    | UnreadableAnswerRefused
)
RosterEvent = (
    SchoolRegistered
    | SchoolTimeZoneChanged
    | ClassRegistered
    | StudentEnrolled
    | StudentMoved
    | StudentRenamed
)
AccountEvent = (
    AccountCreated
    | RoleGranted
    | RoleRevoked
    | AccountDeactivated
    | AccountReactivated
    | EmailAddressChanged
    | PersonErased
)
Event = QuizEvent | CoursePublished | RosterEvent | AccountEvent

EVENT_TYPES: Final[Mapping[str, type[Event]]] = {
    "chapter-quiz/QuizStarted": QuizStarted,
    "chapter-quiz/QuestionAssigned": QuestionAssigned,
    "chapter-quiz/QuestionAnsweredCorrectly": QuestionAnsweredCorrectly,
    "chapter-quiz/QuestionAnsweredIncorrectly": QuestionAnsweredIncorrectly,
    "chapter-quiz/QuizStartedOver": QuizStartedOver,
    "chapter-quiz/QuizPassed": QuizPassed,
    "chapter-quiz/UnreadableAnswerRefused": UnreadableAnswerRefused,
    "course/CoursePublished": CoursePublished,
    "roster/SchoolRegistered": SchoolRegistered,
    "roster/SchoolTimeZoneChanged": SchoolTimeZoneChanged,
    "roster/ClassRegistered": ClassRegistered,
    "roster/StudentEnrolled": StudentEnrolled,
    "roster/StudentMoved": StudentMoved,
    "roster/StudentRenamed": StudentRenamed,
    "accounts/AccountCreated": AccountCreated,
    "accounts/RoleGranted": RoleGranted,
    "accounts/RoleRevoked": RoleRevoked,
    "accounts/AccountDeactivated": AccountDeactivated,
    "accounts/AccountReactivated": AccountReactivated,
    "accounts/EmailAddressChanged": EmailAddressChanged,
    "accounts/PersonErased": PersonErased,
}
TYPE_NAMES: Final[Mapping[type[Event], str]] = {cls: name for name, cls in EVENT_TYPES.items()}


def quiz_stream_id(student_id: str, course_id: str, chapter_id: str) -> str:
    """``chapter-quiz/{student_id}/{course_id}/{chapter_id}``, each id percent-encoded (UTF-8)
    but for ASCII letters, digits and ``-_.~:``. No part can contain the ``/`` that separates
    them (nor the ``%`` of an escape), so two quizzes never share a stream, whatever their ids:
    ``a-b``/``c`` and ``a``/``b-c`` did under the old format (``legacy_quiz_stream_id``)."""
    return "chapter-quiz/" + "/".join(
        quote(part, safe=":", errors="surrogatepass")
        for part in (student_id, course_id, chapter_id)
    )


def legacy_quiz_stream_id(student_id: str, course_id: str, chapter_id: str) -> str:
    """The stream id of a quiz before ids were escaped: the parts joined with ``-``, which ids
    may contain, so several quizzes can map to one of these. The command handler still finds
    a quiz whose events are in such a stream (and are all that quiz's)."""
    return f"chapter-quiz-{student_id}-{course_id}-{chapter_id}"


def course_stream_id(course_id: str) -> str:
    return f"course-{course_id}"


def roster_stream_id(school_id: str) -> str:
    return f"roster-{school_id}"


def account_stream_id(account_id: str) -> str:
    return f"account-{account_id}"


def stream_id(event: Event) -> str:
    """The stream an event belongs in (docs/events.md)."""
    if isinstance(event, CoursePublished):
        return course_stream_id(event.course_id)
    if isinstance(
        event,
        SchoolRegistered
        | SchoolTimeZoneChanged
        | ClassRegistered
        | StudentEnrolled
        | StudentMoved
        | StudentRenamed,
    ):
        return roster_stream_id(event.school_id)
    if isinstance(
        event,
        AccountCreated
        | RoleGranted
        | RoleRevoked
        | AccountDeactivated
        | AccountReactivated
        | EmailAddressChanged
        | PersonErased,
    ):
        return account_stream_id(event.account_id)
    return quiz_stream_id(event.student_id, event.course_id, event.chapter_id)
