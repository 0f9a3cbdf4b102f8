"""Values kept for the version of the data they were computed from (per process).

A value is computed from some data (the search index, the database) at a version of it that
changes in the same transaction or commit as any write: results are kept under that version
and used only while the data is still at it, so no change is ever hidden by a kept value and
there is no time-to-live to wait for. Entries of an older version are dropped as soon as a
newer one is seen; beyond `size` entries the least recently used go first. A version of None
means "unknown": nothing is kept.

Kept values are shared between requests and threads: their readers must not change them.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class Kept(Generic[V]):
    """At most `size` values of the data's latest version; size 0 keeps nothing."""

    def __init__(self, size: int):
        self.size = size
        self._lock = threading.Lock()
        self._version: Hashable = None
        self._entries: OrderedDict[Hashable, V] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def get(self, version: Hashable, key: Hashable, compute: Callable[[], V]) -> V:
        """The value of `key` at `version`: the kept one, or computed and kept."""
        if self.size <= 0 or version is None:
            return compute()
        with self._lock:
            if version != self._version:
                self._entries.clear()
                self._version = version
            if key in self._entries:
                self._entries.move_to_end(key)
                self.hits += 1
                return self._entries[key]
            self.misses += 1
        value = compute()  # outside the lock: other requests go on meanwhile
        with self._lock:
            if version == self._version:  # not if a newer version was seen meanwhile
                self._entries[key] = value
                if len(self._entries) > self.size:
                    self._entries.popitem(last=False)
        return value

    def __len__(self) -> int:
        return len(self._entries)
