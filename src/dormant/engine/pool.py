"""A bounded pool of worker threads for per-item work whose failures are values.

``map_bounded`` runs ``work`` on each item with at most ``workers`` threads and returns the
results in the items' order; ``on_done`` hears of each result, in the calling thread, as it
arrives (progress bars). ``work`` is expected to turn its own failures into results (a
failed role, a failed account) so that one item never stops the others; an exception that
escapes it (a bug, or an interrupt) stops the pool: items not started yet are dropped.

Standard library only; never import boto3, botocore or ``dormant.aws`` here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from typing import TypeVar

__all__ = ["map_bounded"]

T = TypeVar("T")


R = TypeVar("R")


def map_bounded(
    work: Callable[[T], R],
    items: Sequence[T],
    *,
    workers: int,
    on_done: Callable[[T, R], None] | None = None,
    thread_name_prefix: str = "dormant",
) -> list[R]:
    """``[work(item) for item in items]`` with at most ``workers`` items at once."""
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    if not items:
        return []
    executor = ThreadPoolExecutor(
        max_workers=min(workers, len(items)), thread_name_prefix=thread_name_prefix
    )
    results: dict[int, R] = {}
    try:
        futures: dict[Future[R], int] = {
            executor.submit(work, item): index for index, item in enumerate(items)
        }
        for future in as_completed(futures):
            index = futures[future]
            results[index] = future.result()
            if on_done is not None:
                on_done(items[index], results[index])
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
    return [results[index] for index in range(len(items))]
