"""A student's quizzes read again on demand (what another web process appended, before this
process's subscription brings it): the views then equal a replay, and nothing is counted or
remembered twice, whether the subscription delivers those events later or not."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from quizflow.app.handler import CommandHandler
from quizflow.app.publishing import publish_course, register
from quizflow.app.readmodel import ReadModel
from quizflow.eventstore import EventStore
from tests.integration.test_readmodel_lazy import CHAPTERS, COURSE, ROSTER, _play


@pytest.fixture
def models() -> Iterator[list[ReadModel]]:
    made: list[ReadModel] = []
    yield made
    for model in made:
        model.stop()


def _started(store: EventStore, models: list[ReadModel], **kwargs: bool) -> ReadModel:
    model = ReadModel(store, **kwargs)
    models.append(model)
    model.start(catch_up_timeout=None)
    return model


def test_a_refresh_reads_what_the_subscription_has_not_brought_and_counts_nothing_twice(
    any_store: EventStore, models: list[ReadModel]
) -> None:
    publish_course(any_store, COURSE)
    register(any_store, list(ROSTER))
    handler = CommandHandler(any_store)
    first = _play(handler, "s1", CHAPTERS[0], answers=4)
    model = _started(any_store, models)
    assert model.wait_for(first.cursor, timeout=60)
    assert model.quizzes_of("s1")  # read on first use
    # The model stops following the log: what comes next reaches it only by a refresh.
    model.stop()
    applied = model.status()["events_applied"]
    later = _play(handler, "s1", CHAPTERS[1], answers=3)
    other = _play(handler, "s1", CHAPTERS[2], answers=2)
    assert not model.reached(other.cursor, "s1")

    model.load(["s1"], refresh=True)

    assert model.reached(other.cursor, "s1") and model.reached(later.cursor, "s1")
    reference = _started(any_store, models, every_student=True)
    assert reference.wait_for(other.cursor, timeout=60)
    assert model.quizzes_of("s1") == reference.quizzes_of("s1")
    assert model.recent_answers("s1") == reference.recent_answers("s1")
    # Left for the subscription to count when it delivers them (it skips their folding).
    assert model.status()["events_applied"] == applied
