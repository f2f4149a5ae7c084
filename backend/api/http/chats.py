"""Chats and members: /chats/*."""

from __future__ import annotations

from sanic import Blueprint, HTTPResponse, Request
from sanic.response import empty

from backend.api import responses as out
from backend.api import wire
from backend.api.http.common import body, container, ok, route, user_id
from backend.api.schemas import NewChat, NewDirect, NewMember, RoleChange
from backend.domain.errors import InvalidInput
from backend.domain.models import Role

bp = Blueprint("chats")


@route(
    bp,
    "POST",
    "/chats",
    "Create a group chat",
    model=NewChat,
    status=201,
    response=out.ChatResponse,
)
async def create_chat(request: Request) -> HTTPResponse:
    uid = user_id(request)
    b = body(request, NewChat)
    chat = await container(request).chats.create_group(uid, b.title, b.member_ids)
    return ok({"chat": wire.summary(chat)}, status=201)


@route(
    bp,
    "POST",
    "/chats/direct",
    "The direct chat with a user (created on first use)",
    model=NewDirect,
    status=201,
    also=(200,),
    response=out.ChatResponse,
)
async def direct_chat(request: Request) -> HTTPResponse:
    uid = user_id(request)
    b = body(request, NewDirect)
    chat, created = await container(request).chats.open_direct(uid, b.user_id)
    return ok({"chat": wire.summary(chat)}, status=201 if created else 200)


@route(
    bp, "GET", "/chats", "My chats with last message and unread count", response=out.ChatsResponse
)
async def list_chats(request: Request) -> HTTPResponse:
    uid = user_id(request)
    views = await container(request).chats.summaries(uid)
    return ok({"chats": [wire.summary(v) for v in views]})


@route(bp, "GET", "/chats/<chat_id>", "One chat", response=out.ChatResponse)
async def get_chat(request: Request, chat_id: str) -> HTTPResponse:
    uid = user_id(request)
    return ok({"chat": wire.summary(await container(request).chats.get(uid, chat_id))})


@route(bp, "GET", "/chats/<chat_id>/members", "Members of a chat", response=out.MembersResponse)
async def list_members(request: Request, chat_id: str) -> HTTPResponse:
    uid = user_id(request)
    views = await container(request).chats.members(uid, chat_id)
    return ok({"members": [wire.member(v) for v in views]})


@route(
    bp,
    "POST",
    "/chats/<chat_id>/members",
    "Add a member by user id or username",
    model=NewMember,
    status=201,
    response=out.MemberResponse,
)
async def add_member(request: Request, chat_id: str) -> HTTPResponse:
    uid = user_id(request)
    b = body(request, NewMember)
    if bool(b.user_id) == bool(b.username):
        raise InvalidInput("Give exactly one of user_id and username.", code="invalid_input")
    member = await container(request).chats.add_member(
        uid, chat_id, user_id=b.user_id, username=b.username
    )
    return ok({"member": wire.member(member)}, status=201)


@route(
    bp,
    "PATCH",
    "/chats/<chat_id>/members/<member_id>",
    "Make a member admin or not (owner)",
    model=RoleChange,
    response=out.MemberResponse,
)
async def change_role(request: Request, chat_id: str, member_id: str) -> HTTPResponse:
    uid = user_id(request)
    b = body(request, RoleChange)
    member = await container(request).chats.set_role(uid, chat_id, member_id, Role(b.role))
    return ok({"member": wire.member(member)})


@route(
    bp, "DELETE", "/chats/<chat_id>/members/<member_id>", "Remove a member, or leave", status=204
)
async def remove_member(request: Request, chat_id: str, member_id: str) -> HTTPResponse:
    uid = user_id(request)
    await container(request).chats.remove_member(uid, chat_id, member_id)
    return empty()
