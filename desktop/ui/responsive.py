"""A single pane below `NARROW_PX`: the chat list, or the open chat with a Back button.

Side by side, the list and the chat need about 530 px; a window snapped to a third of a laptop
screen is narrower. Below the threshold one of them is shown at a time.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QMainWindow, QPushButton, QSplitter, QWidget

from desktop.ui.chat_pane import ChatPane
from desktop.ui.signin import named

NARROW_PX = 600


class Responsive(QObject):
    def __init__(self, window: QMainWindow, split: QSplitter, pane: ChatPane) -> None:
        super().__init__(window)
        self._window, self._split, self._pane = window, split, pane
        left = split.widget(0)
        assert left is not None
        self._left: QWidget = left
        self.showing_list = False
        self._was_narrow = False
        self.back = named(QPushButton(self.tr("‹ Chats")), "Back to chats")
        self.back.setToolTip(self.tr("Back to the chat list"))
        self.back.hide()
        pane.header.insertWidget(0, self.back)
        self.back.clicked.connect(self._back)
        self._left.setMinimumWidth(220)
        pane.setMinimumWidth(260)
        split.setChildrenCollapsible(False)
        window.installEventFilter(self)

    @property
    def narrow(self) -> bool:
        return self._window.width() < NARROW_PX

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if watched is self._window and event.type() == QEvent.Type.Resize:
            self.apply()
        return False

    def chat_chosen(self) -> None:
        self.showing_list = False
        self.apply()

    def _back(self) -> None:
        self.showing_list = True
        self.apply()

    def apply(self) -> None:
        if not self.narrow:
            if self._was_narrow:
                width = self._split.width()
                self._split.setSizes([300, max(260, width - 300)])
            self._was_narrow = False
            self._left.show()
            self._pane.show()
            self.back.hide()
            return
        self._was_narrow = True
        chat_open = self._pane.chat_id is not None and not self.showing_list
        self._left.setVisible(not chat_open)
        self._pane.setVisible(chat_open)
        self.back.setVisible(chat_open)
        width = self._split.width()
        self._split.setSizes([0, width] if chat_open else [width, 0])  # all to the one shown
