"""The course an import publishes, so that questions, texts and reports work on imported history.

An external log names questions but not their content, so each new question becomes
"Imported question <id>" in one chapter, ``imported``, with the answers marked correct in the
log as its accepted answers. Importing into a course that already has a question keeps that
question (and its chapter) as published: history is attached to it, content is not touched.
A second file into the same course republishes it with the union of the questions, one
version up; an import that adds nothing publishes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from quizflow.quiz import Course

IMPORTED_CHAPTER = "imported"
FIELD = "_INPUT_1_"
# A question must accept something to be a valid course question. When the log recorded no
# correct answer text, this stands in: it names the gap instead of inventing an answer key.
UNKNOWN_ANSWER = "(correct answer not recorded in the imported log)"
# Some logs mark dozens of free-text answers correct; the course keeps the most frequent few.
MAX_ACCEPTED = 20


def chapter_of_questions(existing: Mapping[str, Any] | None) -> dict[str, str]:
    """question_id -> chapter_id of the questions the published course already has."""
    if not existing:
        return {}
    return {
        question["question_id"]: chapter["chapter_id"]
        for chapter in existing.get("chapters", [])
        for question in chapter.get("questions", [])
    }


def imported_course(
    existing: Mapping[str, Any] | None,
    course_id: str,
    title: str,
    seen: Mapping[str, list[str]],
) -> dict[str, Any] | None:
    """The CoursePublished data to publish, or None when ``existing`` already says it all.

    ``seen``: every question id in the log with its correct answers (most frequent first).
    Raises quizflow.quiz.CourseError if the result would not be a valid course.
    """
    known = chapter_of_questions(existing)
    chapters = [dict(c) for c in existing.get("chapters", [])] if existing else []
    imported = next((c for c in chapters if c["chapter_id"] == IMPORTED_CHAPTER), None)
    if imported is None:
        imported = {"chapter_id": IMPORTED_CHAPTER, "title": "Imported history", "questions": []}
        chapters.append(imported)
    questions = {q["question_id"]: q for q in imported["questions"]}
    changed = False
    for question_id, correct in seen.items():
        if question_id in known and known[question_id] != IMPORTED_CHAPTER:
            continue
        question = questions.get(question_id)
        if question is None:
            questions[question_id] = _question(question_id, correct)
            changed = True
            continue
        accepted = _accepted(question["accepted"][FIELD], correct)
        if accepted != question["accepted"][FIELD]:
            questions[question_id] = {**question, "accepted": {FIELD: accepted}}
            changed = True
    if not changed:
        return None
    imported["questions"] = list(questions.values())
    chapters = [c for c in chapters if c["questions"]]
    data = {
        "course_id": course_id,
        "title": existing["title"] if existing else title,
        "version": int(existing["version"]) + 1 if existing else 1,
        "chapters": chapters,
    }
    return Course.from_data(data).to_data()  # validates, and writes it in the canonical form


def _question(question_id: str, correct: list[str]) -> dict[str, Any]:
    return {
        "question_id": question_id,
        "text": f"Imported question {question_id}",
        "fields": [{"name": FIELD, "label": "Answer"}],
        "accepted": {FIELD: _accepted([], correct)},
        "equivalence": {FIELD: "text"},
        "wrong_answers": [],
    }


def _accepted(current: list[str], correct: list[str]) -> list[str]:
    merged = [a for a in current if a != UNKNOWN_ANSWER]
    for answer in correct:
        if answer and answer not in merged and len(merged) < MAX_ACCEPTED:
            merged.append(answer)
    return merged or [UNKNOWN_ANSWER]
