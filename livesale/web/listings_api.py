"""Public show listings: the home page's live, upcoming and past shows, and a creator's page."""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from functools import partial
from typing import Any

from aiohttp import web
from redis.asyncio import Redis

from livesale.domain.categories import validate_category
from livesale.domain.errors import ValidationFailed
from livesale.domain.shows import Show, ShowStatus
from livesale.live.presence import viewer_counts
from livesale.live.replays import ReplayService
from livesale.storage.creators import CreatorRepository
from livesale.storage.shows import MAX_LIST_LIMIT, ShowRepository
from livesale.web.auth import Identity
from livesale.web.query_numbers import whole_number
from livesale.web.shows_api import ShowViews

DEFAULT_LIST_LIMIT = 50
# Past shows come a page at a time ("more"); live and upcoming lists are short.
PAST_PAGE = 12
_CURSOR = re.compile(r"^(\d+(?:\.\d+)?):([A-Za-z0-9]{1,64})$")
_YES = ("1", "true")


def add_listing_routes(
    app: web.Application,
    *,
    views: ShowViews,
    shows: ShowRepository,
    creators: CreatorRepository,
    replays: ReplayService,
    redis: Redis,
    identity: Identity,
) -> None:
    """Register the show listing and the creator page's API."""
    listing = Listing(views, redis, replays)
    app.router.add_get(
        "/api/shows",
        partial(list_shows, listing=listing, repository=shows, identity=identity),
    )
    app.router.add_get(
        "/api/creators/{creator_id}",
        partial(creator_page, listing=listing, repository=shows, creators=creators),
    )


async def list_shows(
    request: web.Request, *, listing: Listing, repository: ShowRepository, identity: Identity
) -> web.Response:
    """Shows by `status`, `mine=1`, `creator_id` or `category`; `replay=1` pages past shows
    with a replay.

    Upcoming shows come soonest first, live ones newest first; with `replay=1`
    the ended shows whose replay plays, newest ended first, `limit` at a time,
    `before` being the previous page's `next_before`.
    """
    query = request.query
    limit = whole_number(query.get("limit"), "limit", DEFAULT_LIST_LIMIT, 1, MAX_LIST_LIMIT)
    status = _status(query.get("status"))
    creator_id = query.get("creator_id")
    category = _category(query.get("category"))
    if query.get("mine") in _YES:
        creator_id = (await identity.require_creator(request)).id
    next_before = None
    if query.get("replay") in _YES:
        if status not in (None, ShowStatus.ENDED):
            raise ValidationFailed(
                "replay=1 lists ended shows only", field="replay", reason="not_allowed"
            )
        before = _cursor(query.get("before"))
        shows = await listing.replays.past(
            limit, creator_id=creator_id, before=before, category=category
        )
        next_before = _next_before(shows, limit)
    else:
        if "before" in query:
            raise ValidationFailed(
                "before pages past shows (replay=1) only", field="before", reason="not_allowed"
            )
        shows = await repository.list_recent(
            limit, status=status, creator_id=creator_id, category=category
        )
    body = {"shows": await listing.listed(shows), "next_before": next_before}
    return web.json_response(body)


async def creator_page(
    request: web.Request,
    *,
    listing: Listing,
    repository: ShowRepository,
    creators: CreatorRepository,
) -> web.Response:
    """A creator's public page: their name, live and upcoming shows, and past shows with a
    replay (the first page); never their email."""
    creator = await creators.get(request.match_info["creator_id"])
    live = await repository.list_recent(
        DEFAULT_LIST_LIMIT, status=ShowStatus.LIVE, creator_id=creator.id
    )
    upcoming = await repository.list_recent(
        DEFAULT_LIST_LIMIT, status=ShowStatus.SCHEDULED, creator_id=creator.id
    )
    past = await listing.replays.past(PAST_PAGE, creator_id=creator.id)
    return web.json_response(
        {
            "creator": {"id": creator.id, "display_name": creator.display_name},
            "live": await listing.listed(live),
            "upcoming": await listing.listed(upcoming),
            "past": await listing.listed(past),
            "next_before": _next_before(past, PAST_PAGE),
        }
    )


class Listing:
    """Shows as lists give them: with viewers now and replay lengths."""

    def __init__(self, views: ShowViews, redis: Redis, replays: ReplayService) -> None:
        self._views = views
        self._redis = redis
        self.replays = replays

    async def listed(self, shows: Sequence[Show]) -> list[dict[str, Any]]:
        """Shows as listed: each with its viewers now (live shows, from the presence counts)
        and its replay's length (ended shows with a replay)."""
        names: dict[str, str] = {}
        live = [show.id for show in shows if show.status is ShowStatus.LIVE]
        viewers = await viewer_counts(self._redis, live, int(time.time() * 1000))
        lengths = await self.replays.lengths(shows)
        return [
            {
                **await self._views.show_json(show, names),
                "viewers": viewers.get(show.id),
                "replay_available": show.id in lengths,
                "replay_duration_ms": lengths.get(show.id),
            }
            for show in shows
        ]


def _status(raw: str | None) -> ShowStatus | None:
    try:
        return None if raw is None else ShowStatus(raw)
    except ValueError:
        raise ValidationFailed(
            "status must be scheduled, live or ended", field="status", reason="bad_format"
        ) from None


def _category(raw: str | None) -> str | None:
    """The category a `?category=` names, or None for every one."""
    return None if raw is None else validate_category(raw)


def _cursor(raw: str | None) -> tuple[float, str] | None:
    """The (ended_at, show id) a `before` names."""
    if raw is None:
        return None
    match = _CURSOR.match(raw)
    if match is None:
        raise ValidationFailed(
            "before must be a next_before from a previous page", field="before", reason="bad_format"
        )
    return float(match.group(1)), match.group(2)


def _next_before(shows: Sequence[Show], limit: int) -> str | None:
    """The cursor of the next page, when this one is full."""
    if len(shows) < limit or shows[-1].ended_at is None:
        return None
    return f"{shows[-1].ended_at!r}:{shows[-1].id}"
