"""A guest's "Remind me" on an upcoming show, and how many the show's creator will remind."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from aiohttp import web

from livesale.domain.errors import ShowNotUpcoming
from livesale.domain.shows import Show, ShowStatus
from livesale.storage.rate_limits import RateLimiter
from livesale.storage.reminders import ReminderRepository
from livesale.storage.shows import ShowRepository
from livesale.web.auth import Identity


@dataclass(frozen=True, slots=True)
class ReminderParts:
    """What the reminder routes need."""

    reminders: ReminderRepository
    shows: ShowRepository
    limiter: RateLimiter
    changes_per_minute: int
    identity: Identity


def add_reminder_routes(app: web.Application, *, parts: ReminderParts) -> None:
    """Register GET, PUT and DELETE /api/shows/{show_id}/reminder and GET /api/reminders."""
    app.router.add_get("/api/reminders", partial(list_reminders, parts=parts))
    path = "/api/shows/{show_id}/reminder"
    app.router.add_get(path, partial(get_reminder, parts=parts))
    app.router.add_put(path, partial(change_reminder, parts=parts, on=True))
    app.router.add_delete(path, partial(change_reminder, parts=parts, on=False))


async def list_reminders(request: web.Request, *, parts: ReminderParts) -> web.Response:
    """The upcoming shows the caller's guest asked to be reminded of (none without one)."""
    viewer = await parts.identity.current_viewer(request)
    ids = [] if viewer is None else await parts.reminders.upcoming_show_ids(viewer.id)
    return web.json_response({"show_ids": ids})


async def get_reminder(request: web.Request, *, parts: ReminderParts) -> web.Response:
    """Whether the caller is reminded; the count only for the show's own creator."""
    show = await parts.shows.get(request.match_info["show_id"])
    viewer = await parts.identity.current_viewer(request)
    reminded = viewer is not None and await parts.reminders.reminded(viewer.id, show.id)
    return web.json_response(await _state(request, parts, show, reminded))


async def change_reminder(request: web.Request, *, parts: ReminderParts, on: bool) -> web.Response:
    """Ask (PUT) to be reminded of an upcoming show, or stop (DELETE) as the caller's guest."""
    viewer = await parts.identity.require_viewer(request)
    show = await parts.shows.get(request.match_info["show_id"])
    # Stopping is allowed whatever the show's state; asking only before it starts.
    if on and show.status is not ShowStatus.SCHEDULED:
        raise ShowNotUpcoming(
            "only a show that has not started can be reminded of",
            show_id=show.id,
            status=show.status.value,
        )
    await parts.limiter.check(
        f"reminder:{viewer.id}", parts.changes_per_minute, 60, "reminder changes"
    )
    if on:
        await parts.reminders.remind(viewer.id, show.id)
    else:
        await parts.reminders.forget(viewer.id, show.id)
    return web.json_response(await _state(request, parts, show, on))


async def _state(
    request: web.Request, parts: ReminderParts, show: Show, reminded: bool
) -> dict[str, object]:
    creator = await parts.identity.current_creator(request)
    own = creator is not None and creator.id == show.creator_id
    # Who waits for a show is the seller's business: others get no count.
    count = await parts.reminders.count(show.id) if own else None
    return {"reminded": reminded, "reminders": count, "own": own}
