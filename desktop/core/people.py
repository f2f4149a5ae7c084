"""Who is signed in and what everyone is called, without Qt: the one `me` every service reads.

`People` is shared by the chat list, the timelines, the live events and the outbox, so "is this
message mine" and "what is this user called" have one answer; it also holds the profile use
cases (my name and email, my password, finding someone to write to).
"""

from __future__ import annotations

from desktop.core.signed_in import Session
from desktop.core.users import Directory
from desktop.core.wire import User


class People:
    """The signed-in user (None while signed out) and the directory of names."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self.me: User | None = None
        self.users = Directory()

    def my_id(self) -> str:
        return self.me.id if self.me else ""

    def my_name(self) -> str:
        return (self.me.display_name or self.me.username) if self.me else ""

    def is_mine(self, sender_id: str) -> bool:
        return self.me is not None and sender_id == self.me.id

    def signed_in(self, me: User) -> None:
        self.me = me
        self.users.add(me)

    async def search_users(self, prefix: str) -> list[User]:
        rest = self._session.rest
        assert rest is not None
        users = await rest.search_users(prefix)
        for u in users:
            self.users.add(u)
        return [u for u in users if self.me is None or u.id != self.me.id]

    async def update_profile(self, display_name: str, email: str) -> User:
        rest = self._session.rest
        assert rest is not None
        me = await rest.update_me(display_name=display_name, email=email)
        self.signed_in(me)
        return me

    async def change_password(self, current: str, new: str) -> None:
        rest = self._session.rest
        assert rest is not None
        await rest.change_password(current, new)
