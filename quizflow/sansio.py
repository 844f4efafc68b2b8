"""Logic written once for a blocking and an asyncio caller ("sans-IO").

Logic that needs a database is written as a generator that never does I/O itself: it yields
what it needs done (a request), is sent the answer, or has the request's exception raised at
the ``yield``, and returns its result. Two small drivers run it, one calling a blocking function
per request, the other awaiting a coroutine per request, so the sync and the asyncio paths
cannot drift apart, and a unit test drives the logic with answers and errors of its choosing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Generator
from typing import Any, TypeVar

Request = TypeVar("Request")
Result = TypeVar("Result")

# A step-by-step computation: yields requests, is sent their answers, returns a result.
Steps = Generator[Request, Any, Result]


def run_steps(steps: Steps[Request, Result], perform: Callable[[Request], Any]) -> Result:
    """Run ``steps`` to its result, answering each request with ``perform(request)``."""
    try:
        request = next(steps)
        while True:
            try:
                answer = perform(request)
            except Exception as error:
                # The logic decides what a failed request means (retry, another error, ...);
                # what it does not handle comes back out of throw() unchanged.
                request = steps.throw(error)
            else:
                request = steps.send(answer)
    except StopIteration as finished:
        result: Result = finished.value
        return result


async def run_steps_async(
    steps: Steps[Request, Result], perform: Callable[[Request], Awaitable[Any]]
) -> Result:
    """``run_steps`` with each request's answer awaited."""
    try:
        request = next(steps)
        while True:
            try:
                answer = await perform(request)
            except Exception as error:
                request = steps.throw(error)
            else:
                request = steps.send(answer)
    except StopIteration as finished:
        result: Result = finished.value
        return result
