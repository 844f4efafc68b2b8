"""Question versions: which revision of a question a student was asked.

A question is version 1 when first published. A later publication of its course gives it the
next version when it changes what a student is asked or how the answer is graded: the text,
the input fields and their labels, the accepted answers or their equivalence. Feedback,
solution, misconceptions and the difficulty hint do not count: they change neither what the
item measures nor its grading, so the answers before and after such an edit are still one
item's answers and its statistics need not start again.

Versions are assigned when a course is published (``assign``) and stored in the event, so a
reader never has to re-derive them; folding the publications (``succeed``) keeps every
revision so that a student mid-question is graded by the one they were shown.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from quizflow.quiz.course import Chapter, Course, Question


def graded_content(question: Question) -> tuple[Any, ...]:
    """What a new version is made of: what the student sees and how it is graded."""
    return (
        question.text,
        tuple((f.name, f.label) for f in question.fields),
        tuple(sorted((name, tuple(values)) for name, values in question.accepted.items())),
        tuple(sorted(question.equivalence.items())),
    )


def latest_versions(course: Course | None) -> dict[str, Question]:
    """Each question id ever published in the course, at its highest version."""
    if course is None:
        return {}
    latest: dict[str, Question] = {}
    for (question_id, _), question in course.revisions.items():
        known = latest.get(question_id)
        if known is None or question.version > known.version:
            latest[question_id] = question
    for chapter in course.chapters:
        for question in chapter.questions:
            known = latest.get(question.question_id)
            if known is None or question.version >= known.version:
                latest[question.question_id] = question
    return latest


def assign(previous: Course | None, draft: Course) -> Course:
    """``draft`` with the version each question gets when published after ``previous`` (the
    course as published so far, with its revisions; None when never published): unchanged
    graded content keeps the version, changed content gets the highest version + 1, a new
    question id is version 1. Whatever versions ``draft`` carries are ignored."""
    known = latest_versions(previous)

    def versioned(question: Question) -> Question:
        before = known.get(question.question_id)
        if before is None:
            version = 1
        elif graded_content(before) == graded_content(question):
            version = before.version
        else:
            version = before.version + 1
        return replace(question, version=version)

    chapters = tuple(
        Chapter(c.chapter_id, c.title, tuple(versioned(q) for q in c.questions))
        for c in draft.chapters
    )
    return replace(draft, chapters=chapters, revisions={})


def succeed(previous: Course | None, published: Course) -> Course:
    """The course after ``published`` (the newest publication) follows ``previous``: its
    content, with every revision published so far remembered."""
    revisions = dict(previous.revisions) if previous is not None else {}
    for course in (previous, published):
        if course is None:
            continue
        for chapter in course.chapters:
            for question in chapter.questions:
                revisions[(question.question_id, question.version)] = question
    return replace(published, revisions=revisions)
