"""The micro-batcher: concurrent callers share a batch and each gets its own answer."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import pytest

from api.batching import MicroBatcher

T = TypeVar("T")


class Doubler:
    """Batch work that doubles numbers, refuses 13, records its batches and can be held."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []
        self.entered = threading.Event()
        self.gate = threading.Event()
        self.gate.set()

    def __call__(self, items: list[int]) -> list[int]:
        """Twice each item (after the gate opens); ValueError for a batch holding 13."""
        self.entered.set()
        self.gate.wait(timeout=30)
        self.batches.append(list(items))
        if 13 in items:
            raise ValueError("13 is unlucky")
        return [2 * i for i in items]


def _run(coroutine: Coroutine[object, object, T]) -> T:
    """asyncio.run in a thread of its own: in the full suite the browser tests' Playwright
    keeps an event loop running in the main thread, where asyncio.run refuses to start."""
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(asyncio.run, coroutine).result()


async def _submit_while_held(
    batcher: MicroBatcher[int, int], work: Doubler, items: range
) -> list[object]:
    """Submit the first item, hold its batch, queue the rest, then let everything through."""
    work.gate.clear()
    first = asyncio.ensure_future(batcher.submit(items[0]))
    await _started(work)
    rest = [asyncio.ensure_future(batcher.submit(i)) for i in items[1:]]
    await asyncio.sleep(0)
    work.gate.set()
    return await asyncio.gather(first, *rest, return_exceptions=True)


async def _started(work: Doubler) -> None:
    """Wait until a batch is inside the work function."""
    while not work.entered.is_set():
        await asyncio.sleep(0.001)


def test_requests_arriving_during_a_batch_share_the_next_and_get_their_own_answers() -> None:
    work = Doubler()
    batcher: MicroBatcher[int, int] = MicroBatcher(work, max_items=64)
    answers = _run(_submit_while_held(batcher, work, range(1, 11)))
    assert answers == [2 * i for i in range(1, 11)]
    assert work.batches == [[1], list(range(2, 11))]


def test_a_batch_never_exceeds_max_items() -> None:
    work = Doubler()
    batcher: MicroBatcher[int, int] = MicroBatcher(work, max_items=4)
    answers = _run(_submit_while_held(batcher, work, range(1, 11)))
    assert answers == [2 * i for i in range(1, 11)]
    assert [len(b) for b in work.batches] == [1, 4, 4, 1]


def test_one_failing_item_fails_alone() -> None:
    work = Doubler()
    batcher: MicroBatcher[int, int] = MicroBatcher(work)
    answers = _run(_submit_while_held(batcher, work, range(10, 16)))
    assert answers[:3] == [20, 22, 24] and answers[4:] == [28, 30]
    assert isinstance(answers[3], ValueError) and str(answers[3]) == "13 is unlucky"


def test_work_that_answers_the_wrong_number_of_items_fails_every_caller() -> None:
    batcher: MicroBatcher[int, int] = MicroBatcher(lambda items: [])

    async def three() -> list[object]:
        calls = (batcher.submit(i) for i in range(3))
        return await asyncio.gather(*calls, return_exceptions=True)

    answers = _run(three())
    assert all(isinstance(a, RuntimeError) for a in answers), answers


def test_a_caller_that_went_away_is_not_worked() -> None:
    work = Doubler()
    batcher: MicroBatcher[int, int] = MicroBatcher(work)

    async def run() -> int:
        work.gate.clear()
        first = asyncio.ensure_future(batcher.submit(1))
        await _started(work)
        gone = asyncio.ensure_future(batcher.submit(2))
        kept = asyncio.ensure_future(batcher.submit(3))
        await asyncio.sleep(0)
        gone.cancel()
        work.gate.set()
        await first
        return await kept

    assert _run(run()) == 6
    assert work.batches == [[1], [3]]


def test_a_batcher_survives_a_new_event_loop() -> None:
    batcher: MicroBatcher[int, int] = MicroBatcher(Doubler())
    assert _run(batcher.submit(1)) == 2
    assert _run(batcher.submit(2)) == 4


@pytest.mark.parametrize("in_flight", [1, 3])
def test_many_concurrent_callers_each_get_their_answer(in_flight: int) -> None:
    batcher: MicroBatcher[int, int] = MicroBatcher(Doubler(), max_items=8, max_in_flight=in_flight)

    async def run() -> list[int]:
        return await asyncio.gather(*(batcher.submit(i) for i in range(200) if i != 13))

    assert _run(run()) == [2 * i for i in range(200) if i != 13]
