"""Who is asking: the signed-in creator and the guest viewer, from their cookies.

Nothing is cached between requests: every call reads SQLite, so a logout or a
rename is seen by the very next request, in every process.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from livesale.config import Settings
from livesale.domain.accounts import Creator, Viewer, ViewerAccount
from livesale.domain.errors import NotSignedIn, ViewerRequired
from livesale.storage.creators import CreatorRepository
from livesale.storage.viewers import ViewerRepository

SESSION_COOKIE = "ls_session"
VIEWER_COOKIE = "ls_viewer"
# Real tokens are 43 characters; anything much longer is junk not worth hashing.
MAX_TOKEN_LENGTH = 128


class Identity:
    """Who is asking, from the request's cookies, and the cookies that say it."""

    def __init__(
        self, creators: CreatorRepository, viewers: ViewerRepository, settings: Settings
    ) -> None:
        self._creators = creators
        self._viewers = viewers
        self._settings = settings

    async def current_creator(self, request: web.Request) -> Creator | None:
        """The creator whose live session cookie came with the request, or None."""
        token = _cookie(request, SESSION_COOKIE)
        if token is None:
            return None
        return await self._creators.session_creator(token)

    async def require_creator(self, request: web.Request) -> Creator:
        """The signed-in creator, or NotSignedIn (401)."""
        creator = await self.current_creator(request)
        if creator is None:
            raise NotSignedIn("sign in as a creator first")
        return creator

    async def current_viewer(self, request: web.Request) -> Viewer | None:
        """The guest viewer whose cookie came with the request, or None."""
        token = _cookie(request, VIEWER_COOKIE)
        if token is None:
            return None
        return await self._viewers.by_token(token)

    async def require_viewer(self, request: web.Request) -> Viewer:
        """The guest viewer, or ViewerRequired (401): choose a display name first."""
        viewer = await self.current_viewer(request)
        if viewer is None:
            raise ViewerRequired("choose a display name first (PUT /api/viewer)")
        return viewer

    def cookie_secure(self, request: web.Request) -> bool:
        """Whether cookies get `Secure`: the public URL is https, or this request came over TLS."""
        return self._settings.base_url.startswith("https:") or request.secure

    def set_session_cookie(
        self, response: web.StreamResponse, request: web.Request, token: str
    ) -> None:
        """Attach the creator session cookie, living as long as the session."""
        ttl = self._settings.auth.session_ttl_seconds
        self._set(response, request, SESSION_COOKIE, token, ttl)

    def clear_session_cookie(self, response: web.StreamResponse, request: web.Request) -> None:
        """Tell the browser to drop the creator session cookie."""
        self._clear(response, request, SESSION_COOKIE)

    def clear_viewer_cookie(self, response: web.StreamResponse, request: web.Request) -> None:
        """Tell the browser to drop the viewer cookie (a device signing out of its account)."""
        self._clear(response, request, VIEWER_COOKIE)

    def _clear(self, response: web.StreamResponse, request: web.Request, name: str) -> None:
        response.del_cookie(
            name,
            path="/",
            secure=self.cookie_secure(request),
            httponly=True,
            samesite="Lax",
        )

    def set_viewer_cookie(
        self, response: web.StreamResponse, request: web.Request, token: str
    ) -> None:
        """Attach the guest viewer cookie."""
        ttl = self._settings.auth.guest_ttl_seconds
        self._set(response, request, VIEWER_COOKIE, token, ttl)

    def _set(
        self, response: web.StreamResponse, request: web.Request, name: str, token: str, ttl: int
    ) -> None:
        # HttpOnly: scripts (and so XSS) cannot read it. Lax: not sent on
        # cross-site subrequests or POSTs; the CSRF middleware covers the rest.
        response.set_cookie(
            name,
            token,
            max_age=ttl,
            path="/",
            secure=self.cookie_secure(request),
            httponly=True,
            samesite="Lax",
        )


def creator_json(creator: Creator) -> dict[str, Any]:
    """A creator as the API shows it to the creator themself (includes the email)."""
    return {
        "id": creator.id,
        "email": creator.email,
        "display_name": creator.display_name,
        "created_at": creator.created_at,
    }


def viewer_json(viewer: Viewer) -> dict[str, Any]:
    """A guest viewer as the API shows it."""
    return {"id": viewer.id, "display_name": viewer.display_name}


def viewer_account_json(account: ViewerAccount) -> dict[str, Any]:
    """A viewer's account as the API shows it to its owner (includes the email)."""
    return {"email": account.email, "created_at": account.created_at}


def viewer_token(request: web.Request) -> str | None:
    """The raw viewer token from the cookie, if any (for signing a device out)."""
    return _cookie(request, VIEWER_COOKIE)


def session_token(request: web.Request) -> str | None:
    """The raw session token from the cookie, if any (for logout)."""
    return _cookie(request, SESSION_COOKIE)


def _cookie(request: web.Request, name: str) -> str | None:
    value = request.cookies.get(name)
    if not value or len(value) > MAX_TOKEN_LENGTH:
        return None
    return value
