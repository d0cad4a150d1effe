"""The bookkeeping of exactly-once (bot.edge.exactly_once): which updates were handled lately, and the
handled marks that wait to be written with the next write transaction. Plain memory, no I/O."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Collection, Sequence
from datetime import datetime

from storage.db import Mark

MEMORY = 10_000  # ids remembered: far more than the updates fetched but not confirmed at a crash
UNWRITTEN_MAX = 100  # marks of read-only updates written together


class ExactlyOnce:
    """The ids handled recently, and the marks not yet written."""

    def __init__(self, handled_ids: Collection[int] = ()) -> None:
        self._recent: OrderedDict[int, None] = OrderedDict.fromkeys(sorted(handled_ids)[-MEMORY:])
        self._in_hand: dict[int, Mark] = {}  # being handled, not marked yet
        self._unwritten: dict[int, Mark] = {}  # handled, wrote nothing, mark not written yet

    def begin(self, update_id: int, at: datetime) -> bool:
        """Start handling; False when the update was handled (or is being handled) already."""
        if update_id in self._recent:
            return False
        self._recent[update_id] = None
        if len(self._recent) > MEMORY:
            self._recent.popitem(last=False)  # the oldest
        self._in_hand[update_id] = (update_id, at)
        return True

    def marks_of(self, update_id: int) -> UpdateMarks:
        return UpdateMarks(self, update_id)

    def finish(self, update_id: int) -> bool:
        """Handlers are done; an update that wrote nothing waits for the next write. True when
        enough marks wait that they should be written now."""
        mark = self._in_hand.pop(update_id, None)
        if mark is not None:
            self._unwritten[update_id] = mark
        return len(self._unwritten) >= UNWRITTEN_MAX

    def unwritten(self) -> list[Mark]:
        return list(self._unwritten.values())

    def written(self, marks: Sequence[Mark]) -> None:
        for update_id, _ in marks:
            self._in_hand.pop(update_id, None)
            self._unwritten.pop(update_id, None)


class UpdateMarks:
    """What one update's write transaction commits with its rows: its own mark and those waiting."""

    def __init__(self, owner: ExactlyOnce, update_id: int) -> None:
        self._owner, self._update_id = owner, update_id

    def pending(self) -> list[Mark]:
        own = self._owner._in_hand.get(self._update_id)
        return ([own] if own else []) + self._owner.unwritten()

    def written(self, marks: Sequence[Mark]) -> None:
        self._owner.written(marks)
