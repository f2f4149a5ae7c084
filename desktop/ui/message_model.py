"""The open chat's messages as a list model: a sliding window over its `Timeline`.

The view lays out every row it is given again after each insertion, so a model holding all
10,000 messages of a long history would make each page fetched at the top cost 10,000 size
computations. The model therefore shows at most `WINDOW` consecutive rows of the timeline:
scrolling up past the window's top slides it up (rows come from memory, or a page from the
server once the whole timeline is shown), scrolling down slides it down, and while the window
ends at the newest message it follows new messages. The timeline keeps every loaded message;
Qt only ever sees the window.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from desktop.core.services import People
from desktop.core.timeline import Entry, NoObserver, Timeline
from desktop.ui.models import (
    ENTRY_ROLE,
    LAYOUT_ROLE,
    MINE_ROLE,
    NEW_DAY_ROLE,
    SENDER_ROLE,
)

Index = QModelIndex | QPersistentModelIndex

WINDOW = 500  # rows Qt lays out at most (about 40 screens)
SLIDE = 125  # rows a slide brings in (and drops on the far side)


class MessageModel(QAbstractListModel):
    """Rows `0 .. count-1` are timeline rows `start .. start+count-1`."""

    def __init__(self, messenger: People, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._messenger = messenger
        self._timeline: Timeline | None = None
        self._start = 0
        self._count = 0
        # Row looks by entry identity, so a relayout after an insert is a look-up per row.
        self._layouts: dict[int, tuple[Entry, bool, str, bool]] = {}
        self._pending_op: tuple[str, int, int] | None = None
        # Set while the reader is at the top asking for older pages: a page arriving then is
        # shown even if the newest rows must leave the window for it.
        self.keep_top = False

    # -- what is shown ----------------------------------------------------------------------

    @property
    def timeline(self) -> Timeline | None:
        return self._timeline

    @property
    def start(self) -> int:
        return self._start

    @property
    def at_newest(self) -> bool:
        """True when the window ends at the timeline's newest row (it follows new messages)."""
        tl = self._timeline
        return tl is None or self._start + self._count >= len(tl)

    @property
    def at_oldest_loaded(self) -> bool:
        return self._start == 0

    def show(self, timeline: Timeline | None) -> None:
        self.beginResetModel()
        if self._timeline is not None:
            self._timeline.observer = NoObserver()
        self._timeline = timeline
        if timeline is not None:
            timeline.observer = self
        self.keep_top = False
        self._show_newest()
        self.endResetModel()

    def jump_to_newest(self) -> None:
        self.keep_top = False
        if not self.at_newest:
            self.beginResetModel()
            self._show_newest()
            self.endResetModel()

    def show_around(self, t: int | None, *, near_top: bool = False) -> int:
        """Move the window so that timeline row `t` is in it: centred (search opens a chat
        there) or near its top (jump to the first unread); returns its row in the model."""
        tl = self._timeline
        if tl is None or t is None:
            return 0
        self.beginResetModel()
        self._layouts.clear()
        total = len(tl)
        self._count = min(total, WINDOW)
        before = SLIDE // 5 if near_top else self._count // 2
        self._start = max(0, min(t - before, total - self._count))
        self.keep_top = False
        self.endResetModel()
        return t - self._start

    def _show_newest(self) -> None:
        self._layouts.clear()
        total = len(self._timeline) if self._timeline is not None else 0
        self._count = min(total, WINDOW)
        self._start = total - self._count

    def entry(self, row: int) -> Entry | None:
        tl = self._timeline
        if tl is None or not 0 <= row < self._count:
            return None
        return tl.row(self._start + row)

    def row_of(self, entry: Entry) -> int | None:
        tl = self._timeline
        if tl is None:
            return None
        if entry.seq is not None:
            t = tl.row_of_seq(entry.seq)
        else:
            t = next((i for i in range(len(tl) - 1, -1, -1) if tl.row(i) is entry), None)
        if t is None or not self._start <= t < self._start + self._count:
            return None
        return t - self._start

    # -- sliding ----------------------------------------------------------------------------

    def slide_up(self) -> bool:
        """Bring up to SLIDE older rows (from memory) in at the top; False if none are left."""
        n = min(SLIDE, self._start)
        if n == 0:
            return False
        self.beginInsertRows(QModelIndex(), 0, n - 1)
        self._start -= n
        self._count += n
        self.endInsertRows()
        self._forget(n)  # the old first row has a predecessor now
        self._trim(keep_top=True)
        return True

    def slide_down(self) -> bool:
        """Bring up to SLIDE newer rows in at the bottom; False if the window is at the newest."""
        tl = self._timeline
        if tl is None:
            return False
        n = min(SLIDE, len(tl) - (self._start + self._count))
        if n <= 0:
            return False
        self.beginInsertRows(QModelIndex(), self._count, self._count + n - 1)
        self._count += n
        self.endInsertRows()
        self._trim(keep_top=False)
        return True

    def _trim(self, *, keep_top: bool) -> None:
        excess = self._count - WINDOW
        if excess <= 0:
            return
        if keep_top:
            self.beginRemoveRows(QModelIndex(), self._count - excess, self._count - 1)
            self._count -= excess
            self.endRemoveRows()
        else:
            self.beginRemoveRows(QModelIndex(), 0, excess - 1)
            self._start += excess
            self._count -= excess
            self.endRemoveRows()
            self._forget(0)  # the new first row lost its predecessor

    # -- TimelineObserver (timeline row numbers in, window row numbers out) -----------------

    def begin_insert(self, first: int, last: int) -> None:
        n = last - first + 1
        end = self._start + self._count
        room = self._count + n <= WINDOW or self.keep_top
        older_page_at_top = first == 0 and self._start == 0 and room
        following = first == end and self.at_newest
        if older_page_at_top or following or self._start < first < end:
            self._pending_op = ("insert", first - self._start, n)
            self.beginInsertRows(QModelIndex(), first - self._start, last - self._start)
            self._count += n
        elif first <= self._start:
            self._pending_op = ("shift", n, 0)
        else:
            self._pending_op = None  # below a window that does not follow: not shown yet

    def end_insert(self) -> None:
        op, self._pending_op = self._pending_op, None
        if op is None:
            return
        if op[0] == "shift":
            self._start += op[1]
            return
        self.endInsertRows()
        self._forget(op[1] + op[2])  # the row after the block has a new predecessor
        self._trim(keep_top=op[1] == 0 and self._start == 0)

    def begin_remove(self, first: int, last: int) -> None:
        # The timeline removes one pending row at a time (when it is confirmed).
        end = self._start + self._count
        if last < self._start:
            self._pending_op = ("shift", -(last - first + 1), 0)
        elif first >= end:
            self._pending_op = None
        else:
            lo, hi = max(first, self._start), min(last, end - 1)
            before = max(0, self._start - first)
            self._pending_op = ("remove", lo - self._start, before)
            self.beginRemoveRows(QModelIndex(), lo - self._start, hi - self._start)
            self._count -= hi - lo + 1

    def end_remove(self) -> None:
        op, self._pending_op = self._pending_op, None
        if op is None:
            return
        if op[0] == "shift":
            self._start += op[1]
            return
        self._start -= op[2]
        self.endRemoveRows()
        self._forget(op[1])

    def row_changed(self, row: int) -> None:
        r = row - self._start
        if 0 <= r < self._count:
            self._forget(r)
            index = self.index(r)
            self.dataChanged.emit(index, index)

    def begin_reset(self) -> None:
        self.beginResetModel()

    def end_reset(self) -> None:
        self._show_newest()
        self.endResetModel()

    def names_changed(self) -> None:
        """Display names were learnt: repaint (sizes do not depend on the names)."""
        self._layouts.clear()
        if self._count:
            self.dataChanged.emit(self.index(0), self.index(self._count - 1))

    def _forget(self, row: int) -> None:
        entry = self.entry(row)
        if entry is not None:
            self._layouts.pop(id(entry), None)

    # -- QAbstractListModel -----------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else self._count

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        entry = self.entry(index.row()) if index.isValid() else None
        if entry is None:
            return None
        if role == ENTRY_ROLE:
            return entry
        if role == Qt.ItemDataRole.DisplayRole:
            return entry.text
        if role in (LAYOUT_ROLE, NEW_DAY_ROLE, SENDER_ROLE, MINE_ROLE):
            layout = self._layout(index.row(), entry)
            if role == LAYOUT_ROLE:
                return layout
            return layout[{NEW_DAY_ROLE: 1, SENDER_ROLE: 2, MINE_ROLE: 3}[role]]
        if role == Qt.ItemDataRole.AccessibleTextRole:
            who = (
                self.tr("You")
                if self._is_mine(entry)
                else self._messenger.users.label(entry.sender_id)
            )
            body = self.tr("Message deleted") if entry.deleted else entry.text
            return f"{who}: {body} ({entry.state.value})"
        return None

    def _layout(self, row: int, entry: Entry) -> tuple[Entry, bool, str, bool]:
        """What a row's look depends on: a day line when the day changes, the sender's name
        when the sender changes (never for our own messages), and whether it is ours."""
        cached = self._layouts.get(id(entry))
        if cached is not None and cached[0] is entry:
            return cached
        tl = self._timeline
        t = self._start + row
        prev = tl.row(t - 1) if tl is not None and t > 0 else None
        new_day = prev is None or prev.created_at.astimezone().date() != (
            entry.created_at.astimezone().date()
        )
        mine = self._is_mine(entry)
        same_sender = not new_day and prev is not None and prev.sender_id == entry.sender_id
        sender = "" if mine or same_sender else self._messenger.users.label(entry.sender_id)
        layout = (entry, new_day, sender, mine)
        self._layouts[id(entry)] = layout
        return layout

    def _is_mine(self, entry: Entry) -> bool:
        me = self._messenger.me
        return me is not None and entry.sender_id == me.id
