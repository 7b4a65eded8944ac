"""Micro-batching: concurrent requests answered by one call of a batch function.

Requests that arrive while a batch is being worked on wait in a queue; when the batch is
done the next one takes everything queued (up to `max_items`). A lone request therefore goes
at once, and under load the per-call cost of the model (scikit-learn validates its input,
builds sparse matrices, walks its pipeline) is paid once for many texts. The work runs in a
worker thread, never on the event loop. An item that makes the batch fail is found by
working the batch's items one by one: it gets its own error and the others their answers.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from typing import Generic, TypeVar

from starlette.concurrency import run_in_threadpool

T = TypeVar("T")
R = TypeVar("R")


class MicroBatcher(Generic[T, R]):
    """Gathers concurrent `submit` calls into calls of `work(items) -> results`."""

    def __init__(
        self, work: Callable[[list[T]], list[R]], max_items: int = 64, max_in_flight: int = 1
    ) -> None:
        self._work = work
        self._max_items = max_items
        self._max_in_flight = max_in_flight
        self._queue: deque[tuple[T, asyncio.Future[R]]] = deque()
        self._in_flight = 0
        self._tasks: set[asyncio.Task[None]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None

    async def submit(self, item: T) -> R:
        """The result for `item`, worked in a batch with whatever else is waiting."""
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # a new event loop (a test client's): start afresh
            self._loop, self._queue, self._in_flight = loop, deque(), 0
        future: asyncio.Future[R] = loop.create_future()
        self._queue.append((item, future))
        if self._in_flight < self._max_in_flight:
            self._in_flight += 1
            task = loop.create_task(self._drain())
            self._tasks.add(task)  # the loop keeps only a weak reference to a task
            task.add_done_callback(self._tasks.discard)
        return await future

    async def _drain(self) -> None:
        try:
            while self._queue:
                count = min(self._max_items, len(self._queue))
                batch = [self._queue.popleft() for _ in range(count)]
                # A caller that went away (a closed connection) cancelled its future.
                live = [(item, future) for item, future in batch if not future.done()]
                if live:
                    await self._run(live)
        finally:
            self._in_flight -= 1

    async def _run(self, live: list[tuple[T, asyncio.Future[R]]]) -> None:
        try:
            outcomes = await run_in_threadpool(self._work_each, [item for item, _ in live])
        except Exception as exc:  # a broken batch function: every caller hears of it
            outcomes = [exc] * len(live)
        except BaseException:  # cancelled (the server stops): nobody waits forever
            for _, future in live:
                future.cancel()
            raise
        for (_, future), outcome in zip(live, outcomes, strict=True):
            if future.done():
                continue
            if isinstance(outcome, Exception):
                future.set_exception(outcome)
            else:
                future.set_result(outcome)

    def _work_each(self, items: list[T]) -> list[R | Exception]:
        """Results in order; when the batch fails, each item's own result or error."""
        try:
            results = self._work(items)
        except Exception as exc:
            if len(items) == 1:
                return [exc]
            return [self._work_one(item) for item in items]
        if len(results) != len(items):
            raise RuntimeError(f"batch work gave {len(results)} results for {len(items)} items")
        return list(results)

    def _work_one(self, item: T) -> R | Exception:
        try:
            return self._work([item])[0]
        except Exception as exc:  # handed to this item's caller, raised in its request
            return exc
