"""Every published version of each question, read from the snapshot's course publications.

The warehouse's ``known_wrong_answers`` and ``questions`` hold the latest publication only, so
joining an older version's answers to them would give that version's wrong answers the
misconceptions (and field labels) of the current wording. A question's version changes when a
publication changes what students are asked or how they are graded; a publication that only
rewords a misconception keeps it, so each version is taken as its latest publication has it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

import duckdb

from quizflow.quiz import Course, CourseError, Question, WrongAnswer
from quizflow.quiz.answers import normalise

VersionKey = tuple[str, str, int]  # course_id, question_id, question version


def question_versions(
    con: duckdb.DuckDBPyConnection, course_id: str | None = None
) -> dict[VersionKey, Question]:
    """Each (course, question, version) as it was last published, from the snapshot's
    ``course/CoursePublished`` events (quarantined ones left out)."""
    try:
        rows = con.execute(
            "select course_id, data from valid_events where type = 'course/CoursePublished'"
            " and ($course_id is null or course_id = $course_id) order by position",
            {"course_id": course_id},
        ).fetchall()
    except duckdb.CatalogException:
        return {}  # a database without the raw events (a hand-made one): the latest only
    found: dict[VersionKey, Question] = {}
    for published_course, data in rows:
        try:
            course = Course.from_data(json.loads(data) if isinstance(data, str) else data)
        except (CourseError, ValueError):
            continue  # the quiz could not read it either: no student was shown it
        for chapter in course.chapters:
            for question in chapter.questions:
                found[(str(published_course), question.question_id, question.version)] = question
    return found


def listed_by_answer(question: Question) -> Mapping[str, WrongAnswer]:
    """The question's listed wrong answers by their normalised text (as ``answers.answer``
    holds a student's answer: the warehouse normalises with the same function)."""
    listed: dict[str, WrongAnswer] = {}
    for wrong in question.wrong_answers:
        listed.setdefault(normalise(None, wrong.answer), wrong)
    return listed
