"""The signed-in app without Qt: the composition of its narrow services, and its lifecycle.

`Messenger` builds the services and signs in, restores, signs out and shuts down; everything
else lives in the service that owns it: the chat list (`desktop.core.chats.Chats`), the
timelines and read markers (`desktop.core.timelines.Timelines`), server events
(`desktop.core.live.LiveEvents`, routing each to those), names (`desktop.core.people.People`),
writing (`desktop.core.outbox.Outbox`), online and typing state (`desktop.core.presence`),
calls (`desktop.core.calls.CallCenter`), and the clients (`desktop.core.signed_in.Session`).
Widgets never receive it: each gets the narrow service it uses (`desktop.core.services`).
UI-triggered coroutines raise `ClientError`s; the UI reports them through its one error handler.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from desktop.core.backoff import Backoff
from desktop.core.calls import CallCenter, MessengerTransport
from desktop.core.chats import Chats
from desktop.core.conversation import Conversation
from desktop.core.errors import ClientError, SessionExpiredError, describe
from desktop.core.listener import AppListener
from desktop.core.live import LiveEvents
from desktop.core.outbox import Outbox
from desktop.core.people import People
from desktop.core.positions import Positions
from desktop.core.presence import Presence
from desktop.core.realtime import RealtimeClient
from desktop.core.rest import RestClient
from desktop.core.session import SavedSession, SessionStore
from desktop.core.signed_in import Session
from desktop.core.tasks import TaskRegistry
from desktop.core.timeline import Timeline
from desktop.core.timelines import Timelines
from desktop.core.users import Directory
from desktop.core.wire import Chat, User

log = logging.getLogger(__name__)


class Messenger:
    """The composition root of the core: one instance per app."""

    def __init__(
        self,
        sessions: SessionStore,
        listener: AppListener,
        *,
        backoff: Callable[[], Backoff] = Backoff,
    ) -> None:
        self.session = Session(sessions, backoff)
        self.listener = listener
        self.tasks = TaskRegistry(self._report)
        self.people = People(self.session)
        self.positions = Positions()
        self.presence = Presence(self.people.users, listener, self.people.my_id)
        self.chat_list = Chats(
            self.session, self.people, self.presence, self.positions, listener, self.tasks
        )
        self.reading = Timelines(self.session, self.chat_list, listener, self.tasks)
        self.calls = CallCenter(
            MessengerTransport(self.session), self.people.my_id, self.people.my_name
        )
        self.live = LiveEvents(
            self.session,
            self.people,
            self.chat_list,
            self.reading,
            self.presence,
            self.positions,
            self.calls,
            listener,
            self.tasks,
            self._session_expired,
        )
        self.outbox = Outbox(self)
        # Members, read markers and reactions of the open chat (desktop/core/conversation.py).
        self.conversation = Conversation(
            lambda: self.session.rest,
            self.people.users,
            lambda: self.reading.timelines,
            self.presence,
        )
        self.live.conversation = self.conversation

    # -- errors -----------------------------------------------------------------------------

    def _report(self, exc: BaseException) -> None:
        if not isinstance(exc, ClientError):
            log.error("unexpected failure", exc_info=exc)
        self.listener.error(describe(exc))

    # -- what the outbox, the offline cache and the tests read ------------------------------

    @property
    def me(self) -> User | None:
        return self.people.me

    @me.setter
    def me(self, me: User | None) -> None:
        self.people.me = me

    @property
    def users(self) -> Directory:
        return self.people.users

    @property
    def chats(self) -> dict[str, Chat]:
        return self.chat_list.chats

    @property
    def timelines(self) -> dict[str, Timeline]:
        return self.reading.timelines

    def timeline(self, chat_id: str) -> Timeline:
        return self.reading.timeline(chat_id)

    @property
    def sessions(self) -> SessionStore:
        return self.session.store

    @property
    def rest(self) -> RestClient | None:
        return self.session.rest

    @property
    def realtime(self) -> RealtimeClient | None:
        return self.session.realtime

    @property
    def saved(self) -> SavedSession | None:
        return self.session.saved

    # -- the session (`desktop.core.services.Account`) --------------------------------------

    async def sign_up(
        self, server_url: str, username: str, email: str, password: str, display_name: str
    ) -> User:
        await self.session.register(server_url, username, email, password, display_name)
        return await self.sign_in(server_url, username, password)

    async def sign_in(self, server_url: str, login: str, password: str) -> User:
        rest, me = await self.session.sign_in(server_url, login, password)
        await self._start(rest, me)
        return me

    async def restore(self) -> bool:
        """Resume the saved session, if any; False (and nothing shown) when there is none."""
        try:
            restored = await self.session.restore()
        except SessionExpiredError:
            self.outbox.journal.clear()  # it ended while the app was closed: as a sign-out
            raise
        if restored is None:
            return False
        await self._start(*restored)
        return True

    async def _start(self, rest: RestClient, me: User) -> None:
        self.session.attach(rest)
        await self.session.read_limits()
        self.people.signed_in(me)
        self.listener.signed_in(me)
        await self.chat_list.refresh()
        self.tasks.spawn(self.session.start_realtime(self.live).run(), "realtime")
        self.tasks.spawn(self.outbox.resume_uploads(), "resume-uploads")

    def reconnect_now(self) -> None:
        if self.session.realtime is not None:
            self.session.realtime.reconnect_now()

    def _session_expired(self) -> None:
        self.tasks.spawn(self.sign_out("Your session has ended. Please sign in again."))

    async def sign_out(self, reason: str = "") -> None:
        rest, saved, owner = self.rest, self.saved, self.outbox.owner
        await self.shutdown()  # the uploads stop here, their sessions kept as for a quit...
        await self.outbox.forget_uploads(owner, rest)  # ...then dropped: nobody resumes them
        await self.session.sign_out(rest, saved)
        self.listener.signed_out(reason)

    async def shutdown(self) -> None:
        """Stop the realtime client and every task; keep the saved session (app quit)."""
        await self.session.stop_realtime()
        await self.tasks.cancel_all()
        await self.session.release()
        self.people.me = None
        self.chat_list.clear()
        self.reading.clear()
        self.positions.clear()
        self.conversation.clear()
        self.listener.chats_reset()

    async def close(self) -> None:
        """App quit: stop everything and close the HTTP client."""
        await self.shutdown()
        await self.session.close()
