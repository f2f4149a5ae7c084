"""The WebSocket contract in words, served in the OpenAPI document (which cannot describe a socket).

Kept next to the gateway so a change of the socket's behaviour and of its description travel in
one commit.
"""

SOCKET_CONTRACT = """\
## WebSocket `/api/v1/ws` (JSON text frames)

1. The first frame is `{"type":"auth","token":<access token>,"chats":[{"chat_id","last_seq"}]}`
   (`chats` optional; closed with 4401 if the token is absent or bad within 5 s). The server
   answers `{"type":"ready","user_id","chats":[{"chat_id","last_seq"}]}`, then, for each chat in
   `chats`, the events after its `last_seq` as ordinary frames, then
   `{"type":"resumed","chats":[{"chat_id","last_seq"}]}` (or `{"type":"resync","chat_id"}` for a
   chat more than `PARLEY_RESUME_MAX_EVENTS` behind: reload its history over REST), then live
   events.
2. Server frames: `message.created|message.updated|message.deleted {chat_id, seq, message}`,
   `member.added|member.removed {chat_id, seq, user_id, actor_id}`,
   `reaction.added|reaction.removed {chat_id, seq, message_seq, emoji, user_id}` (apply them in
   order to the message `message_seq`; a pushed message carries no `reactions`, keep yours),
   `gap {chat_id, seq}`,
   `chat.created`, `presence {user_id, online, last_seen_at?}`, `typing {chat_id, user_id}`,
   `read {chat_id, user_id, seq}`, `reconnect` before a graceful shutdown.
3. Client frames: `message.send {chat_id, client_msg_id, text}` → `message.ack {client_msg_id,
   chat_id, seq, id}` or `error {code, detail, client_msg_id, limit?}` (`limit`: the server's
   figure, e.g. its max_text_chars for `text_too_long`); `typing {chat_id}`; `ping` →
   `pong`; `resume {chats:[{chat_id, last_seq}]}` later on the same socket → the events after
   each `last_seq`, then `resumed`.

**Order.** On every socket, each chat's events (everything carrying the chat's `seq`: messages,
edits, deletions, member changes, reactions, `gap`) arrive in strictly increasing `seq` with no
hole, on any replica. A `seq` whose write failed for good arrives as its tombstone (a
`message.created` with `deleted: true`), and one the server cannot deliver as `gap {chat_id, seq}`,
so positions always advance. `typing`, `presence` and `read` (a reader's marker, not the chat's
position) carry no chat `seq` and are not ordered.

**Presence.** `presence` announces a user going online (first socket anywhere) or offline (last
one) once per socket, to the members of their chats of at most `PARLEY_PRESENCE_ROOM_LIMIT`
members (default 100). A bigger chat carries no `presence`: read who is online from its member
list (`GET /chats/{chat_id}/members`, `online` and `last_seen_at` on each row) when you show it.

**Resuming.** Keep the highest `seq` seen per chat and send it in `auth` (or `resume`): you get
exactly what you missed, once, in order, on whichever replica you land, after any outage shorter
than the retention; `resync` beyond it. No client-side hole tracking is needed.
"""
