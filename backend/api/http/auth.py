"""Accounts and sessions: /auth/*, /me, and /limits (what the signed-in user's clients must
keep to, so they say the server's figures rather than their own guesses)."""

from __future__ import annotations

from sanic import Blueprint, HTTPResponse, Request
from sanic.response import empty

from backend.api import responses as out
from backend.api import wire
from backend.api.http.common import body, client_ip, container, ok, route, user_id
from backend.api.http.identity import claims
from backend.api.openapi import Param
from backend.api.schemas import Login, PasswordChange, ProfilePatch, Refresh, Register
from backend.services.auth import TokenPair

bp = Blueprint("auth")


def _pair(pair: TokenPair) -> HTTPResponse:
    return ok(
        {
            "access_token": pair.access_token,
            "refresh_token": pair.refresh_token,
            "token_type": "Bearer",
            "expires_in": pair.expires_in,
            "user": wire.user(pair.user, private=True),
        }
    )


@route(
    bp,
    "POST",
    "/auth/register",
    "Create an account",
    model=Register,
    status=201,
    auth=False,
    response=out.UserResponse,
)
async def register(request: Request) -> HTTPResponse:
    b = body(request, Register)
    user = await container(request).auth.register(
        b.username, b.email, b.password, b.display_name or b.username, client_ip(request)
    )
    return ok({"user": wire.user(user, private=True)}, status=201)


@route(
    bp,
    "POST",
    "/auth/login",
    "Sign in by username or email",
    model=Login,
    auth=False,
    response=out.TokenResponse,
)
async def login(request: Request) -> HTTPResponse:
    b = body(request, Login)
    pair = await container(request).auth.login(
        b.login, b.password, b.device_name, client_ip(request)
    )
    return _pair(pair)


@route(
    bp,
    "POST",
    "/auth/refresh",
    "Rotate a refresh token",
    model=Refresh,
    auth=False,
    response=out.TokenResponse,
)
async def refresh(request: Request) -> HTTPResponse:
    b = body(request, Refresh)
    return _pair(await container(request).auth.refresh(b.refresh_token))


@route(bp, "POST", "/auth/logout", "End a session", model=Refresh, status=204, auth=False)
async def logout(request: Request) -> HTTPResponse:
    b = body(request, Refresh)
    await container(request).auth.logout(b.refresh_token)
    return empty()


@route(bp, "GET", "/me", "The signed-in user", response=out.UserResponse)
async def me(request: Request) -> HTTPResponse:
    user = await container(request).users.me(user_id(request))
    return ok({"user": wire.user(user, private=True)})


@route(bp, "GET", "/limits", "The server's size limits", response=out.LimitsResponse)
async def limits(request: Request) -> HTTPResponse:
    s = request.app.ctx.settings
    quota = s.upload_quota_bytes or None
    used = await container(request).files.used_bytes(user_id(request))
    return ok(
        {
            "limits": {
                "max_text_chars": s.max_text_chars,
                "max_upload_bytes": s.max_upload_bytes,
                "upload_quota_bytes": quota,
                "upload_used_bytes": used,
            }
        }
    )


@route(
    bp,
    "PATCH",
    "/me",
    "Change display name or email",
    model=ProfilePatch,
    response=out.UserResponse,
)
async def patch_me(request: Request) -> HTTPResponse:
    uid = user_id(request)
    b = body(request, ProfilePatch)
    user = await container(request).users.update(uid, b.display_name, b.email)
    return ok({"user": wire.user(user, private=True)})


@route(
    bp,
    "POST",
    "/me/password",
    "Change password; ends the other sessions",
    model=PasswordChange,
    status=204,
)
async def change_password(request: Request) -> HTTPResponse:
    who = claims(request)
    b = body(request, PasswordChange)
    await container(request).auth.change_password(
        who.user_id, who.session_id, b.current_password, b.new_password, b.refresh_token
    )
    return empty()


@route(
    bp,
    "GET",
    "/users",
    "Find users by username prefix",
    response=out.UsersResponse,
    query=(Param("query", "query", {"type": "string", "minLength": 1, "maxLength": 32}),),
)
async def search_users(request: Request) -> HTTPResponse:
    uid = user_id(request)
    users = await container(request).users.search(uid, str(request.args.get("query", "")))
    return ok({"users": [wire.user(u) for u in users]})
