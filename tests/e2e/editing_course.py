"""A one-question course for the editor tests: whichever question a student gets is the
edited one."""

from __future__ import annotations

from typing import Any

COURSE = "edit-test"
SMALL_COURSE: dict[str, Any] = {
    "course_id": COURSE,
    "title": "Editing test",
    "version": 1,
    "chapters": [
        {
            "chapter_id": "one",
            "title": "One question",
            "questions": [
                {
                    "question_id": "add-01",
                    "text": "Work out 2 + 2.",
                    "fields": [{"name": "_INPUT_1_", "label": "answer"}],
                    "accepted": {"_INPUT_1_": ["4"]},
                    "equivalence": {"_INPUT_1_": "number"},
                    "wrong_answers": [
                        {
                            "answer": {"_INPUT_1_": "5"},
                            "misconception": "counts on one too many",
                            "feedback": "Count on from 2 again: 3, then 4.",
                        }
                    ],
                }
            ],
        }
    ],
}
