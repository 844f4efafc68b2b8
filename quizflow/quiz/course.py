"""The course content the quiz reads: courses, chapters, questions (from ``CoursePublished``).

The quiz never edits content; it validates what the content side publishes so that a
question the quiz cannot grade (no accepted answer for a field, an accepted ``number`` that
is not a number, two questions with one id) is refused with every problem named.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from quizflow.quiz.course_data import DataReader
from quizflow.quiz.equivalence import EQUIVALENCES, Equivalence, is_equivalence, parses


class CourseError(ValueError):
    """Course data that the quiz cannot use; ``problems`` lists every one found."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("invalid course: " + "; ".join(problems))


@dataclass(frozen=True)
class Field:
    name: str
    label: str = ""


def field_called(field: Field, place: int) -> str:
    """A field as a problem sentence names it: by its label (``field 'b'``), else by its place
    (``field 2``), as answers are shown (quizflow.quiz.display); never by its name."""
    label = field.label.strip()
    return f"field {label!r}" if label else f"field {place}"


@dataclass(frozen=True)
class WrongAnswer:
    """A typical wrong answer and the misconception behind it (for content editors), with the
    feedback a student who gives it reads (what to look at again, without the answer)."""

    answer: Mapping[str, str]
    misconception: str
    feedback: str = ""


@dataclass(frozen=True)
class Question:
    question_id: str
    text: str
    fields: tuple[Field, ...]
    accepted: Mapping[str, tuple[str, ...]]
    equivalence: Mapping[str, Equivalence]
    wrong_answers: tuple[WrongAnswer, ...] = ()
    difficulty: float | None = None
    # The question's revision: 1 when first published, + 1 each time a publication changes
    # what students are asked or how it is graded (quizflow.quiz.versions).
    version: int = 1
    solution: str = ""  # a short worked solution shown after a wrong answer (optional)

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(field.name for field in self.fields)


@dataclass(frozen=True)
class Chapter:
    chapter_id: str
    title: str
    questions: tuple[Question, ...]

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.question_id == question_id), None)


@dataclass(frozen=True)
class Course:
    course_id: str
    title: str
    version: int
    chapters: tuple[Chapter, ...]
    # Every revision of every question published in this course so far, by (question id,
    # version): a student is graded by the revision they were shown, even after an edit.
    # Built by folding the publications (quizflow.quiz.versions.succeed); never in the payload.
    revisions: Mapping[tuple[str, int], Question] = field(
        default_factory=dict, compare=False, repr=False
    )

    def chapter(self, chapter_id: str) -> Chapter | None:
        return next((c for c in self.chapters if c.chapter_id == chapter_id), None)

    def revision(self, question_id: str, version: int) -> Question | None:
        """The question as it was at ``version`` (the current one included), if known."""
        found = self.revisions.get((question_id, version))
        if found is not None:
            return found
        current = next(
            (q for c in self.chapters for q in c.questions if q.question_id == question_id), None
        )
        return current if current is not None and current.version == version else None

    @classmethod
    def from_data(cls, data: object, *, allow_unknown_keys: bool = True) -> Course:
        """The course in ``CoursePublished`` data; raises ``CourseError`` naming every problem.

        Unknown keys are allowed by default because events may gain fields; authoring tools
        pass ``allow_unknown_keys=False`` to catch typos such as ``acepted``.
        """
        reading = read_course(data, allow_unknown_keys=allow_unknown_keys)
        if reading.problems or reading.course is None:
            raise CourseError(list(reading.problems))
        return reading.course

    def to_data(self) -> dict[str, Any]:
        """The JSON-ready ``CoursePublished`` data (``from_data(to_data())`` round-trips)."""
        return {
            "course_id": self.course_id,
            "title": self.title,
            "version": self.version,
            "chapters": [_chapter_data(chapter) for chapter in self.chapters],
        }


@dataclass(frozen=True)
class ReadQuestion:
    """A question as read from course data, and which of its parts read without a problem.

    A check that judges a listed wrong answer against the key (quizflow.content's authoring
    checks) is meaningful only where the key read whole: an accepted answer that is no number
    judges nothing. A wrong answer that could not be read is left out of the question, so the
    others keep the numbers the course data gives them here.
    """

    question: Question
    key_whole: bool  # fields, equivalences and accepted answers
    wrong_answer_numbers: tuple[int, ...]  # each of question.wrong_answers' place in the data


@dataclass(frozen=True)
class CourseReading:
    """What course data reads as: the course (None if any problem), every problem, and the
    questions that could be read, so later checks need not wait for the course to be whole."""

    course: Course | None
    problems: tuple[str, ...]
    questions: tuple[ReadQuestion, ...]


def read_course(data: object, *, allow_unknown_keys: bool = True) -> CourseReading:
    """Read ``CoursePublished`` data, collecting every problem instead of raising."""
    reader = DataReader(allow_unknown_keys=allow_unknown_keys)
    questions: list[ReadQuestion] = []
    course = _read_course(reader, data, questions)
    problems = tuple(reader.problems)
    return CourseReading(None if problems else course, problems, tuple(questions))


def _chapter_data(chapter: Chapter) -> dict[str, Any]:
    return {
        "chapter_id": chapter.chapter_id,
        "title": chapter.title,
        "questions": [_question_data(question) for question in chapter.questions],
    }


def _question_data(question: Question) -> dict[str, Any]:
    data: dict[str, Any] = {
        "question_id": question.question_id,
        "text": question.text,
        "fields": [{"name": f.name, "label": f.label} for f in question.fields],
        "accepted": {name: list(values) for name, values in question.accepted.items()},
        "equivalence": dict(question.equivalence),
        "wrong_answers": [_wrong_answer_data(wrong) for wrong in question.wrong_answers],
    }
    if question.solution:
        data["solution"] = question.solution
    if question.difficulty is not None:
        data["difficulty"] = question.difficulty
    if question.version != 1:
        # Left out at 1, so a course never edited keeps the payload (and the content-derived
        # event id) it had before question versions existed: republishing it stays a no-op.
        data["version"] = question.version
    return data


def _wrong_answer_data(wrong: WrongAnswer) -> dict[str, Any]:
    # Feedback is left out when there is none, so older content keeps its exact payload.
    data: dict[str, Any] = {"answer": dict(wrong.answer), "misconception": wrong.misconception}
    if wrong.feedback:
        data["feedback"] = wrong.feedback
    return data


_COURSE_KEYS = {"course_id", "title", "version", "chapters"}
_CHAPTER_KEYS = {"chapter_id", "title", "questions"}
_QUESTION_KEYS = {
    "question_id", "text", "fields", "accepted", "equivalence", "wrong_answers", "difficulty",
    "solution",
    "version",
}  # fmt: skip


def _read_course(reader: DataReader, data: object, questions: list[ReadQuestion]) -> Course | None:
    record = reader.record(data, "course", _COURSE_KEYS)
    if record is None:
        return None
    course_id = reader.identifier(record, "course_id", "course")
    title = reader.text(record, "title", "course")
    version = reader.positive_int(record, "version", "course")
    chapters: list[Chapter] = []
    for where, item in reader.items(record, "chapters", "course"):
        chapter = _read_chapter(reader, item, where, questions)
        if chapter is not None:
            chapters.append(chapter)
    reader.unique([c.chapter_id for c in chapters], "chapter_id")
    reader.unique([q.question_id for c in chapters for q in c.questions], "question_id")
    if course_id is None or title is None or version is None:
        return None
    return Course(course_id, title, version, tuple(chapters))


def _read_chapter(
    reader: DataReader, data: object, where: str, read: list[ReadQuestion]
) -> Chapter | None:
    record = reader.record(data, where, _CHAPTER_KEYS)
    if record is None:
        return None
    chapter_id = reader.identifier(record, "chapter_id", where)
    where = f"chapter {chapter_id!r}" if chapter_id else where
    title = reader.text(record, "title", where)
    questions: list[Question] = []
    for item_where, item in reader.items(record, "questions", where):
        question = _read_question(reader, item, f"{where}, {item_where}", read)
        if question is not None:
            questions.append(question)
    if chapter_id is None or title is None:
        return None
    return Chapter(chapter_id, title, tuple(questions))


def _read_question(
    reader: DataReader, data: object, where: str, read: list[ReadQuestion]
) -> Question | None:
    record = reader.record(data, where, _QUESTION_KEYS)
    if record is None:
        return None
    question_id = reader.identifier(record, "question_id", where)
    where = f"question {question_id!r}" if question_id else where
    text = reader.text(record, "text", where)
    before_key = len(reader.problems)
    fields = _read_fields(reader, record, where)
    called = {field.name: field_called(field, place) for place, field in enumerate(fields, 1)}
    equivalence = _read_equivalence(reader, record.get("equivalence"), called, where)
    accepted = _read_accepted(reader, record.get("accepted"), called, equivalence, where)
    key_whole = len(reader.problems) == before_key
    numbered = _read_wrong_answers(reader, record.get("wrong_answers", []), called, where)
    solution = reader.text(record, "solution", where) if "solution" in record else ""
    difficulty = record.get("difficulty")
    if difficulty is not None and (
        isinstance(difficulty, bool)
        or not isinstance(difficulty, int | float)
        or not math.isfinite(difficulty)
    ):
        reader.problem(f"{where}: difficulty must be a finite number, got {difficulty!r}")
        difficulty = None
    # Publications from before question versions carry none: their questions are version 1.
    version = reader.positive_int(record, "version", where) if "version" in record else 1
    if question_id is None or text is None or not fields or accepted is None:
        return None
    question = Question(
        question_id=question_id,
        text=text,
        fields=tuple(fields),
        accepted=accepted,
        equivalence=equivalence,
        wrong_answers=tuple(wrong for _, wrong in numbered),
        difficulty=None if difficulty is None else float(difficulty),
        solution=solution or "",
        version=version or 1,
    )
    read.append(ReadQuestion(question, key_whole, tuple(number for number, _ in numbered)))
    return question


def _read_fields(reader: DataReader, record: Mapping[str, Any], where: str) -> list[Field]:
    fields: list[Field] = []
    for item_where, item in reader.items(record, "fields", where):
        field = reader.record(item, f"{where}, {item_where}", {"name", "label"})
        if field is None:
            continue
        name = reader.identifier(field, "name", f"{where}, {item_where}")
        label = field.get("label", "")
        if not isinstance(label, str):
            reader.problem(f"{where}, {item_where}: label must be text, got {label!r}")
            label = ""
        if name is not None:
            fields.append(Field(name, label))
    reader.unique([field.name for field in fields], f"field name in {where}")
    return fields


def _read_equivalence(
    reader: DataReader, data: object, called: Mapping[str, str], where: str
) -> dict[str, Equivalence]:
    record = reader.keyed_by_fields(data, called, f"{where}: equivalence")
    equivalence: dict[str, Equivalence] = {}
    for name, value in record.items():
        if is_equivalence(value):
            equivalence[name] = value
        else:
            reader.problem(
                f"{where}: equivalence of {called[name]} must be one of {', '.join(EQUIVALENCES)}, "
                f"got {value!r}"
            )
    return equivalence


def _read_accepted(
    reader: DataReader,
    data: object,
    called: Mapping[str, str],
    equivalence: Mapping[str, Equivalence],
    where: str,
) -> dict[str, tuple[str, ...]] | None:
    """Accepted answers per field; None unless every field has them and an equivalence."""
    record = reader.keyed_by_fields(data, called, f"{where}: accepted")
    accepted: dict[str, tuple[str, ...]] = {}
    for name, values in record.items():
        answers = reader.strings(values, f"{where}: accepted answers for {called[name]}")
        if not answers:
            reader.problem(f"{where}: {called[name]} has no accepted answers")
            continue
        kind = equivalence.get(name)
        for answer in answers:
            if kind is not None and not parses(kind, answer):
                reader.problem(
                    f"{where}: accepted answer {answer!r} for {called[name]} is not a valid {kind}"
                )
        accepted[name] = tuple(answers)
    if set(accepted) != set(called) or set(equivalence) != set(called):
        return None
    return accepted


def _read_wrong_answers(
    reader: DataReader, data: object, called: Mapping[str, str], where: str
) -> list[tuple[int, WrongAnswer]]:
    """The wrong answers that read whole, each with its place in the list (1-based)."""
    if not isinstance(data, list):
        reader.problem(f"{where}: wrong_answers must be a list, got {type(data).__name__}")
        return []
    wrong_answers: list[tuple[int, WrongAnswer]] = []
    for index, item in enumerate(data, start=1):
        item_where = f"{where}, wrong answer {index}"
        record = reader.record(item, item_where, {"answer", "misconception", "feedback"})
        if record is None:
            continue
        answer = reader.keyed_by_fields(record.get("answer"), called, f"{item_where}: answer")
        typed = {name: value for name, value in answer.items() if isinstance(value, str)}
        if len(typed) != len(answer):
            reader.problem(f"{item_where}: answer values must be text (quote them in YAML)")
        misconception = reader.text(record, "misconception", item_where)
        feedback = reader.text(record, "feedback", item_where) if "feedback" in record else ""
        if misconception is not None and len(typed) == len(called):
            wrong_answers.append((index, WrongAnswer(typed, misconception, feedback or "")))
    return wrong_answers
