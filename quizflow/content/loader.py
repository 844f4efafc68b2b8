"""Reading course files (YAML or JSON) into ``course/CoursePublished`` data.

On top of the quiz's own validation this applies authoring checks that published events
need not pass: no unknown keys (typos), difficulties in the authoring range, and no listed
wrong answer that the answer checker would accept (which would mean the content is wrong), that
a student could not type (refused as unreadable, it would never match), or that has no
feedback for the student who gives it (docs/course-format.md).

Every problem is found in one pass: the quiz's own reading collects its problems and carries
on, and the authoring checks run on each question it could read (``ReadQuestion``), those
that judge wrong answers against the key only where the key read whole; so an author never
fixes one round of problems only to meet the next.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from quizflow.quiz import Course, Question, WrongAnswer, check
from quizflow.quiz.course import ReadQuestion, read_course
from quizflow.quiz.display import display_answer
from quizflow.quiz.readable import unreadable_fields

DIFFICULTY_RANGE = (-2.0, 2.0)  # logits; the simulator reads it as an item difficulty
_COURSES = Path(__file__).resolve().parent / "courses"


class CourseFileError(ValueError):
    """A course file that cannot be published; the message names the file and each problem."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        self.path = path
        self.problems = tuple(problems)
        listed = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(f"{path}: invalid course file:\n{listed}")


def sample_course_path() -> Path:
    return _COURSES / "sample-maths.yaml"


def load_course_file(path: str | Path) -> dict[str, Any]:
    """The ``CoursePublished`` data in a ``.yaml``/``.yml``/``.json`` file, validated.

    Raises ``CourseFileError`` naming the file and every problem found.
    """
    path = Path(path)
    course, problems = publishing_problems(_parse(path))
    if course is None:
        raise CourseFileError(path, problems)
    return course.to_data()


def publishing_problems(data: object) -> tuple[Course | None, list[str]]:
    """The course in ``data`` if it may be published, else None; and every problem found
    (the rules of ``quizflow course publish`` and of the editor pages)."""
    reading = read_course(data, allow_unknown_keys=False)
    problems = list(reading.problems)
    for read in reading.questions:
        problems.extend(authoring_problems(read))
    return (reading.course if not problems else None), problems


def authoring_problems(read: ReadQuestion) -> list[str]:
    """Problems an author must fix in a question that a published course may still have."""
    question = read.question
    where = f"question {question.question_id!r}"
    problems: list[str] = []
    low, high = DIFFICULTY_RANGE
    if question.difficulty is not None and not low <= question.difficulty <= high:
        problems.append(f"{where}: difficulty {question.difficulty} is outside {low}..{high}")
    for number, wrong in zip(read.wrong_answer_numbers, question.wrong_answers, strict=True):
        # Named as the course file counts them and shown as people read answers (the
        # field labels): the editor pages list these problems too.
        which = f"{where}, wrong answer {number} ({display_answer(wrong.answer, question.fields)})"
        if read.key_whole:
            problems.extend(f"{which} {problem}" for problem in _against_the_key(question, wrong))
        if not wrong.feedback:
            problems.append(
                f"{which} has no feedback (what a student who gives it should look at again)"
            )
    return problems


def _against_the_key(question: Question, wrong: WrongAnswer) -> list[str]:
    problems = []
    if check(question, wrong.answer):
        problems.append("is accepted as correct")
    if unreadable_fields(question, wrong.answer):
        # A student typing it would be asked to type again: it never matches.
        problems.append(
            "is not readable as what its fields expect, so no student answer would ever match it"
        )
    return problems


def _parse(path: Path) -> object:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise CourseFileError(path, [f"cannot read the file: {error.strerror or error}"]) from error
    suffix = path.suffix.lower()
    try:
        if suffix in (".yaml", ".yml"):
            return yaml.safe_load(text)
        if suffix == ".json":
            return json.loads(text)
    except (yaml.YAMLError, json.JSONDecodeError) as error:
        raise CourseFileError(path, [f"not valid {suffix[1:].upper()}: {error}"]) from error
    raise CourseFileError(path, [f"unsupported file type {suffix!r} (use .yaml, .yml or .json)"])
