"""The search box: Ctrl+Shift+F over all chats, Ctrl+F within the open chat (Ctrl+K is the chat
switcher of `desktop.ui.shortcuts`).

Results are a list (model/view) of the chat, the sender and a snippet with the matches marked.
Choosing one opens its chat with history loaded back to it, scrolled to it and selected; Esc
closes the box and leaves the window as it was. The box keeps its last query and results, so
Ctrl+Shift+F again returns to them. The chat-list filter is untouched: it still filters by name.
"""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QAbstractTextDocumentLayout,
    QColor,
    QKeySequence,
    QPainter,
    QShortcut,
    QTextDocument,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QLabel,
    QLineEdit,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.core.search import Search, SearchHit, snippet

HIT_ROLE = Qt.ItemDataRole.UserRole + 40
HTML_ROLE = Qt.ItemDataRole.UserRole + 41
DEBOUNCE_MS = 200
Index = QModelIndex | QPersistentModelIndex


def marked_html(text: str, marks: tuple[tuple[int, int], ...]) -> str:
    """User text escaped (it is never rich text), the marks wrapped in a highlight."""
    out: list[str] = []
    pos = 0
    for a, b in marks:
        out += [
            html.escape(text[pos:a]),
            '<span style="background:#ffe58f;">',
            html.escape(text[a:b]),
            "</span>",
        ]
        pos = b
    out.append(html.escape(text[pos:]))
    return "".join(out)


class ResultsModel(QAbstractListModel):
    def __init__(self, search: Search, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._search = search
        self.hits: list[SearchHit] = []

    def set_hits(self, hits: list[SearchHit]) -> None:
        self.beginResetModel()
        self.hits = hits
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.hits)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.hits):
            return None
        hit = self.hits[index.row()]
        head = f"{self._search.chat_label(hit)} · {self._search.sender_label(hit)}"
        cut = snippet(hit.message.text or "", hit.highlights)
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{head}\n{cut.text}"
        if role == HTML_ROLE:
            body = marked_html(cut.text, cut.marks)
            return f'<span style="color:#6b6f76;">{html.escape(head)}</span><br>{body}'
        if role == HIT_ROLE:
            return hit
        return None


class SnippetDelegate(QStyledItemDelegate):
    """Paints a hit's HTML (escaped user text plus our own marks)."""

    def _doc(self, option: QStyleOptionViewItem, index: Index) -> QTextDocument:
        doc = QTextDocument()
        doc.setDefaultFont(option.font)
        doc.setHtml(str(index.data(HTML_ROLE) or ""))
        doc.setTextWidth(max(option.rect.width(), 200))
        return doc

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        if option.state & QStyle.StateFlag.State_Selected:
            # a light selection keeps the grey header and the marks readable
            painter.fillRect(option.rect, QColor("#dbe8fb"))
        doc = self._doc(option, index)
        painter.save()
        painter.translate(option.rect.topLeft())
        doc.documentLayout().draw(painter, QAbstractTextDocumentLayout.PaintContext())
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:  # noqa: N802
        doc = self._doc(option, index)
        return QSize(int(doc.idealWidth()), int(doc.size().height()) + 4)


class SearchDialog(QDialog):
    """A non-modal box: type to search, Enter or a click opens a hit, Esc closes."""

    chosen = Signal(object)  # SearchHit

    def __init__(self, search: Search, run: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Search messages"))
        self.setAccessibleName("Search messages")
        self.resize(560, 480)
        self._search, self._run = search, run
        self.chat_id: str | None = None
        self.box = QLineEdit()
        self.box.setAccessibleName("Search messages")
        self.box.setClearButtonEnabled(True)
        for clear in self.box.findChildren(QToolButton):  # Qt's own clear button
            clear.setAccessibleName("Clear search")
        self.scope = QLabel("")
        self.scope.setTextFormat(Qt.TextFormat.PlainText)
        self.model = ResultsModel(search, self)
        self.results = QListView()
        self.results.setAccessibleName("Search results")
        self.results.setModel(self.model)
        self.results.setItemDelegate(SnippetDelegate(self.results))
        self.results.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.results.setWordWrap(True)
        self.empty = QLabel("")
        self.empty.setTextFormat(Qt.TextFormat.PlainText)
        layout = QVBoxLayout(self)
        layout.addWidget(self.box)
        layout.addWidget(self.scope)
        layout.addWidget(self.results, 1)
        layout.addWidget(self.empty)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self._start_search)
        self.box.textChanged.connect(lambda _t: self._timer.start())
        self.box.returnPressed.connect(self._choose_current)
        self.results.activated.connect(self._choose)
        self.results.clicked.connect(self._choose)
        self._generation = 0

    def open_in(self, chat_id: str | None, chat_title: str) -> None:
        self.chat_id = chat_id
        self.scope.setText(
            self.tr("In %1").replace("%1", chat_title) if chat_id else self.tr("In all chats")
        )
        self.show()
        self.raise_()
        self.activateWindow()
        self.box.setFocus()
        self.box.selectAll()
        if self.box.text():
            self._timer.start()

    def _start_search(self) -> None:
        self._generation += 1
        self._run(self._search_now(self._generation, self.box.text(), self.chat_id))

    async def _search_now(self, generation: int, q: str, chat_id: str | None) -> None:
        hits = await self._search.find(q, chat_id)
        if generation != self._generation:
            return  # a newer search was started while this one ran
        self.model.set_hits(hits)
        self.empty.setText("" if hits or not q.strip() else self.tr("No messages found."))
        if hits:
            self.results.setCurrentIndex(self.model.index(0, 0))

    def _choose_current(self) -> None:
        self._choose(self.results.currentIndex())

    def _choose(self, index: QModelIndex) -> None:
        hit = index.data(HIT_ROLE) if index.isValid() else None
        if isinstance(hit, SearchHit):
            self.hide()
            self.chosen.emit(hit)


class SearchController(QObject):
    """Installs the shortcuts on the main window and opens a chosen hit in context."""

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.window = window
        self.search = Search(window.reading)
        self.dialog = SearchDialog(self.search, window.run, window)
        self.dialog.chosen.connect(self.open_hit)
        self.pending: SearchHit | None = None
        QShortcut(QKeySequence("Ctrl+Shift+F"), window, lambda: self.open_search(None))
        QShortcut(QKeySequence("Ctrl+F"), window, lambda: self.open_search(window.current_chat()))
        window.pane.opened.connect(self._chat_opened)

    def open_search(self, chat_id: str | None) -> None:
        chat = self.window.reading.chats.get(chat_id) if chat_id else None
        title = self.window.reading.chat_title(chat) if chat is not None else ""
        self.dialog.open_in(chat_id if chat is not None else None, title)

    def open_hit(self, hit: SearchHit) -> None:
        self.pending = hit
        if self.window.current_chat() == hit.chat_id:
            self.window.run(self._reveal(hit))
        else:
            self.window.select_chat(hit.chat_id)  # the pane opens it, then `_chat_opened`

    def _chat_opened(self, chat_id: str) -> None:
        hit = self.pending
        if hit is not None and hit.chat_id == chat_id:
            self.window.run(self._reveal(hit))

    async def _reveal(self, hit: SearchHit) -> None:
        self.pending = None
        if not await self.search.load_around(hit.chat_id, hit.seq):
            self.window.show_error("That message is too far back in its chat to open it there.")
            return
        pane = self.window.pane
        if pane.chat_id != hit.chat_id or pane.model.timeline is None:
            return
        row = pane.model.show_around(pane.model.timeline.row_of_seq(hit.seq))
        index = pane.model.index(row, 0)
        pane.view.setCurrentIndex(index)
        pane.view.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)
        pane.view.setFocus()


def install(window: Any) -> SearchController:
    return SearchController(window)
