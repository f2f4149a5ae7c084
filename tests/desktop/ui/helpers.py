"""Driving the app the way a person does: find widgets by accessible name, type, click."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QLineEdit, QPlainTextEdit, QWidget

from desktop.core.session import FileStore
from desktop.core.timeline import Entry
from desktop.ui import theme
from desktop.ui.app import DesktopApp, build
from desktop.ui.models import CHAT_ID_ROLE, ENTRY_ROLE, UNREAD_ROLE

W = TypeVar("W", bound=QWidget)
PASSWORD = "correct horse 1"


def find(root: QWidget, kind: type[W], name: str) -> W:
    """The visible widget of `kind` with accessible name `name` under `root`.

    An open dialog is searched first: it is what a person is looking at.
    """
    dialogs = [d for d in root.findChildren(QDialog) if d.isVisible()]
    for r in [*dialogs, root]:
        for w in r.findChildren(kind):
            if name in (w.accessibleName(), w.property("english_name")) and w.isVisible():
                return w
    raise LookupError(f"no visible {kind.__name__} named {name!r}")


def type_into(qtbot: Any, widget: QLineEdit | QPlainTextEdit, text: str) -> None:
    widget.setFocus()
    if isinstance(widget, QLineEdit):
        widget.clear()
        qtbot.keyClicks(widget, text)
    else:
        widget.setPlainText(text)


def click(qtbot: Any, widget: QWidget) -> None:
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def sign_up(qtbot: Any, app: DesktopApp, server: str, username: str) -> None:
    w = app.window
    from PySide6.QtWidgets import QPushButton

    type_into(qtbot, find(w, QLineEdit, "Server"), server)
    type_into(qtbot, find(w, QLineEdit, "Username"), username)
    type_into(qtbot, find(w, QLineEdit, "Password"), PASSWORD)
    type_into(qtbot, find(w, QLineEdit, "Email"), f"{username}@example.org")
    type_into(qtbot, find(w, QLineEdit, "Display name"), username.title())
    click(qtbot, find(w, QPushButton, "Create account"))
    qtbot.waitUntil(lambda: w.stack.currentWidget() is w.chats_page, timeout=20_000)
    qtbot.waitUntil(
        lambda: app.messenger.realtime is not None and app.messenger.realtime.online, timeout=10_000
    )


def chat_rows(app: DesktopApp) -> list[tuple[str, int]]:
    proxy = app.window.chat_proxy
    return [
        (str(proxy.index(r, 0).data(CHAT_ID_ROLE)), int(proxy.index(r, 0).data(UNREAD_ROLE)))
        for r in range(proxy.rowCount())
    ]


def unread(app: DesktopApp, chat_id: str) -> int:
    return dict(chat_rows(app)).get(chat_id, -1)


def entries(app: DesktopApp) -> list[Entry]:
    model = app.window.pane.model
    return [model.index(r, 0).data(ENTRY_ROLE) for r in range(model.rowCount())]


def texts(app: DesktopApp) -> list[str]:
    return [e.text for e in entries(app)]


def send(qtbot: Any, app: DesktopApp, text: str) -> None:
    composer = find(app.window, QPlainTextEdit, "Message")
    type_into(qtbot, composer, text)
    composer.setFocus()
    qtbot.keyClick(composer, Qt.Key.Key_Return)


def create_group(qtbot: Any, app: DesktopApp, title: str, *invite: str) -> str:
    """Through the UI: New chat → title → Create, then Invite each username; returns the id."""
    from PySide6.QtWidgets import QPushButton

    before = app.window.current_chat()
    click(qtbot, find(app.window, QPushButton, "New chat"))
    type_into(qtbot, find(app.window, QLineEdit, "Chat title"), title)
    click(qtbot, find(app.window, QPushButton, "Create"))
    qtbot.waitUntil(lambda: app.window.current_chat() not in (None, before), timeout=10_000)
    chat_id = app.window.current_chat()
    assert chat_id is not None
    for name in invite:
        click(qtbot, find(app.window, QPushButton, "Invite"))
        type_into(qtbot, find(app.window, QLineEdit, "Invite username"), name)
        click(qtbot, find(app.window, QPushButton, "Invite"))
        # The dialog stays open until the invitation went through.
        qtbot.waitUntil(
            lambda: not [d for d in app.window.findChildren(QDialog) if d.isVisible()],
            timeout=10_000,
        )
    return chat_id


def group_of_two(
    qtbot: Any, make_app: Callable[[str], DesktopApp], url: str, title: str
) -> tuple[DesktopApp, DesktopApp, str]:
    """Alice and Bob, each signed up in an app of their own; Alice makes the group `title` and
    invites Bob, whose app lists it. Their usernames are `username(app)`."""
    from tests.desktop.conftest import unique

    alice, bob = make_app(url), make_app(url)
    bob_name = unique("bob")
    sign_up(qtbot, alice, url, unique("alice"))
    sign_up(qtbot, bob, url, bob_name)
    chat_id = create_group(qtbot, alice, title, bob_name)
    qtbot.waitUntil(lambda: chat_id in bob.messenger.chats, timeout=10_000)
    return alice, bob, chat_id


def username(app: DesktopApp) -> str:
    me = app.messenger.me
    assert me is not None, "not signed in"
    return me.username


def screenshot(app: DesktopApp, path: Any) -> None:
    assert app.window.grab().save(str(path)), f"could not save {path}"


def dialog_error(root: QWidget) -> str:
    """The failure an open dialog shows under its fields, or ""."""
    from PySide6.QtWidgets import QLabel

    for w in root.findChildren(QLabel):
        if w.accessibleName() == "Dialog error" and w.isVisible():
            return w.text()
    return ""


def alice_with_bob(
    qtbot: Any, run: Callable[..., Any], make_app: Callable[[str], DesktopApp], url: str, title: str
) -> tuple[Any, Any, DesktopApp, str]:
    """Bob (through the API) and Alice, signed up in an app of her own, with the group `title`
    she made and invited him to open: (api, bob, alice's app, chat id). The caller closes api."""
    from tests.desktop.conftest import unique
    from tests.support.client import Api

    api = Api(url)
    bob = run(api.user())
    alice = make_app(url)
    sign_up(qtbot, alice, url, unique("alice"))
    return api, bob, alice, create_group(qtbot, alice, title, bob.username)


def reopen(qtbot: Any, run: Callable[..., Any], url: str, config: Any) -> DesktopApp:
    """The app started again on the profile in `config` (a restart), signed in from it."""
    app = build(url, config, secrets=FileStore(config / "credentials.json"))
    qtbot.addWidget(app.window)
    app.window.show()
    run(app.start())
    return app


def shots(app: DesktopApp, prefix: Any) -> None:
    """Screenshots `<prefix>-light.png` and `<prefix>-dark.png`; the light theme again after."""
    for look in ("light", "dark"):
        theme.apply(look)
        app.window.repaint()
        screenshot(app, f"{prefix}-{look}.png")
    theme.apply("light")


def row_in(app: DesktopApp, client_msg_id: str) -> Entry | None:
    """The open chat's row of the message `client_msg_id`, or None."""
    return next((e for e in entries(app) if e.client_msg_id == client_msg_id), None)


def with_menu(app: DesktopApp, menu: Any) -> Any:
    """The window as the user sees it, the open menu (a window of its own) drawn over it."""
    from PySide6.QtGui import QPainter

    shot = app.window.grab()
    painter = QPainter(shot)
    painter.drawPixmap(app.window.mapFromGlobal(menu.pos()), menu.grab())
    painter.end()
    return shot
