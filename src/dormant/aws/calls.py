"""How every adapter makes its AWS calls: one pager, and one place that counts them.

- ``each_page``: every page of a paged operation, through botocore's own paginator for it (which
  follows ``Marker``/``IsTruncated`` or ``NextToken`` and sends ``PageSize`` as the operation's
  limit: ``MaxItems``, ``MaxResults`` or ``Limit``), each page's request inside the caller's
  error translation.
- ``CallCounter``: counts every API call, by ``service:Operation``, across threads, from
  botocore's ``before-call`` event; adapters keep no call counts of their own.

This module must never decide anything, nor hide an error: a page that fails raises through
the caller's guard.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import botocore.hooks
    from botocore.model import OperationModel

__all__ = ["CallCounter", "each_page"]


def each_page(
    client: Any,
    operation: str,
    guard: Callable[[], AbstractContextManager[object]],
    *,
    page_size: int | None = None,
    **params: Any,
) -> Iterator[dict[str, Any]]:
    """Each response page of ``client``'s paged ``operation`` (a boto3 method name).

    ``guard()`` wraps each page's request, so that its errors are translated the way the
    caller's are (e.g. ``dormant.aws.session.aws_call``). ``page_size`` is the operation's
    limit per call; None leaves AWS's default.
    """
    pagination = {} if page_size is None else {"PageSize": page_size}
    paginator = client.get_paginator(operation)
    responses = iter(paginator.paginate(**params, PaginationConfig=pagination))
    while True:
        with guard():
            page: dict[str, Any] | None = next(responses, None)
        if page is None:
            return
        yield page


class CallCounter:
    """Thread-safe count of API calls by ``service:Operation`` (one per call, not per retry)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()

    def attach(self, events: botocore.hooks.BaseEventHooks) -> None:
        """Count the calls of every client created from this session (or of this client)."""
        events.register("before-call", self._on_call)

    def add(self, key: str, count: int = 1) -> None:
        with self._lock:
            self._counts[key] += count

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(sorted(self._counts.items()))

    def _on_call(self, model: OperationModel, **_: Any) -> None:
        self.add(f"{model.service_model.endpoint_prefix}:{model.name}")
