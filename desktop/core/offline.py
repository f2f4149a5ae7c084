"""Starting without the server: show the cached chats read-only until the session resumes."""

from __future__ import annotations

from desktop.core.app import Messenger
from desktop.core.cache import Cache
from desktop.core.wire import User


def cache_for(messenger: Messenger) -> Cache:
    return Cache(messenger.sessions.config_dir / "cache.sqlite3")


def _owner(messenger: Messenger) -> str | None:
    loaded = messenger.sessions.load()
    if loaded is None:
        return None
    saved = loaded[0]
    return f"{saved.server_url}|{saved.user_id}"


def save(messenger: Messenger) -> None:
    """Keep the chat list and recent messages of the signed-in account (called on the way out)."""
    owner = _owner(messenger)
    if owner is None or messenger.me is None or messenger.rest is None or not messenger.chats:
        return
    users = [u for uid in messenger.users.known if (u := messenger.users.get(uid)) is not None]
    listings = messenger.conversation.listings()
    cache = cache_for(messenger)
    cache.save(owner, messenger.chats.values(), messenger.timelines, users, listings)


def show_cached(messenger: Messenger) -> bool:
    """Fill the messenger from the cache for the saved session; False when there is nothing.

    `me` is set (so the window shows the chats page) while `rest` stays None: that is what
    "offline with cached data" means to the rest of the app.
    """
    owner = _owner(messenger)
    if owner is None:
        return False
    cache = cache_for(messenger)
    chats, messages, users = cache.load(owner)
    if not chats:
        return False
    messenger.conversation.restore(cache.load_members(owner))
    saved_user = owner.rsplit("|", 1)[1]
    for user in users:
        messenger.users.add(user)
    me = messenger.users.get(saved_user)
    if me is None:
        login = messenger.saved.login if messenger.saved else ""
        me = User(id=saved_user, username=login, display_name=login)
    messenger.me = me
    for chat in chats:
        messenger.chats[chat.id] = chat
        messenger.timeline(chat.id).replace(messages.get(chat.id, []), has_more_before=True)
    messenger.listener.signed_in(me)
    messenger.listener.chats_reset()
    return True
