"""The two drivers of step-by-step logic (``quizflow.sansio``): the blocking and the asyncio
one answer requests, hand failures back to the logic, and return its result alike."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from quizflow.sansio import Steps, run_steps, run_steps_async


class Refused(Exception):
    pass


def _doubling(values: list[int]) -> Steps[int, list[Any]]:
    """Asks for each value doubled; a refused request is recorded and the logic goes on."""
    answers: list[Any] = []
    for value in values:
        try:
            answers.append((yield value))
        except Refused as error:
            answers.append(f"refused {error}")
    return answers


def _answer(request: int) -> int:
    if request < 0:
        raise Refused(str(request))
    if request == 0:
        raise ZeroDivisionError("zero")
    return request * 2


def _sync(steps: Steps[int, list[Any]]) -> list[Any]:
    return run_steps(steps, _answer)


def _async(steps: Steps[int, list[Any]]) -> list[Any]:
    async def answer(request: int) -> int:
        await asyncio.sleep(0)  # a real suspension, as a database call has
        return _answer(request)

    return asyncio.run(run_steps_async(steps, answer))


Driver = Callable[[Steps[int, list[Any]]], list[Any]]


@pytest.fixture(params=[_sync, _async], ids=["sync", "async"])
def drive(request: pytest.FixtureRequest) -> Driver:
    driver: Driver = request.param
    return driver


def test_each_request_is_answered_in_order(drive: Driver) -> None:
    assert drive(_doubling([1, 2, 3])) == [2, 4, 6]


def test_logic_without_requests_returns_its_result(drive: Driver) -> None:
    assert drive(_doubling([])) == []


def test_a_failed_request_is_raised_inside_the_logic_which_decides(drive: Driver) -> None:
    assert drive(_doubling([1, -5, 3])) == [2, "refused -5", 6]


def test_a_failure_the_logic_does_not_handle_comes_out_unchanged(drive: Driver) -> None:
    steps = _doubling([1, 0, 3])
    with pytest.raises(ZeroDivisionError, match="zero"):
        drive(steps)
    with pytest.raises(StopIteration):  # and the logic is over: nothing more is asked
        next(steps)
