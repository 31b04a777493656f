"""Replays of ended shows: their parts and product chapters, their files, deleting them."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

from livesale.domain.accounts import Creator
from livesale.domain.checkout import pin_until_ms, replay_sale_until_ms
from livesale.domain.errors import NotOwner, ProductNotFound, ReplayNotFound, ShowNotEnded
from livesale.domain.pins import TimelineEvent, TimelineKind
from livesale.domain.products import Product
from livesale.domain.recordings import Recording, RecordingStatus
from livesale.domain.shows import Show, ShowStatus
from livesale.storage.recordings import RecordingRepository
from livesale.storage.shows import ShowRepository
from livesale.storage.timeline import TimelineRepository

logger = logging.getLogger(__name__)

# How often a shop process looks for replays past their retention.
RETENTION_INTERVAL_SECONDS = 3600.0


class ProductReader(Protocol):
    """Reads one product by id."""

    async def get(self, product_id: str) -> Product:
        """The product, or ProductNotFound."""


def replay_url(recording_id: str) -> str:
    """Where a part's file is served (same origin, so relative)."""
    return f"/replays/{recording_id}"


class ReplayService:
    """What viewers play after the show, and the creator's and operator's deleting."""

    def __init__(
        self,
        folder: Path,
        retention_days: float,
        shows: ShowRepository,
        recordings: RecordingRepository,
        timeline: TimelineRepository,
        products: ProductReader,
        render_product: Callable[[Product], dict[str, Any]],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._folder = folder
        self._retention_days = retention_days
        self._shows = shows
        self._recordings = recordings
        self._timeline = timeline
        self._products = products
        self._render_product = render_product
        self._clock = clock

    async def replay(self, show_id: str) -> dict[str, Any]:
        """The ended show's playable parts and its product chapters, else ReplayNotFound."""
        show = await self._shows.get(show_id)
        parts = await self._playable_parts(show)
        chapters = await self._chapters(show, await self._timeline.events(show.id))
        return {
            "show": {
                "id": show.id,
                "title": show.title,
                "status": show.status.value,
                "live_at": show.live_at,
                "ended_at": show.ended_at,
                "replay_flash_sales": show.replay_flash_sales,
            },
            "parts": [part.as_json(replay_url(part.id)) for part in parts],
            "chapters": chapters,
            "duration_ms": sum(part.duration_ms or 0 for part in parts),
        }

    async def available(self, show: Show) -> bool:
        """Whether the show has ended with a replay to play."""
        if show.status is not ShowStatus.ENDED:
            return False
        return any(part.playable for part in await self._recordings.for_show(show.id))

    async def past(
        self,
        limit: int,
        *,
        creator_id: str | None = None,
        before: tuple[float, str] | None = None,
    ) -> list[Show]:
        """Ended shows with a replay, newest ended first; `before` = (ended_at, id) of the
        previous page's last show."""
        ids = await self._recordings.past_replays(limit, creator_id=creator_id, before=before)
        return await self._shows.get_many(ids)

    async def lengths(self, shows: Sequence[Show]) -> dict[str, int]:
        """The replay's length in ms of each ended show among `shows` that has one."""
        ended = [show.id for show in shows if show.status is ShowStatus.ENDED]
        return await self._recordings.replay_lengths(ended)

    async def file(self, recording_id: str) -> tuple[Path, str]:
        """A playable part's file and its content type, else ReplayNotFound."""
        recording = await self._recordings.get(recording_id)
        if recording is None or not recording.playable:
            raise ReplayNotFound("no replay part has this id", recording_id=recording_id)
        show = await self._shows.get(recording.show_id)
        if show.status is not ShowStatus.ENDED:
            raise ReplayNotFound("the replay plays once the show has ended", show_id=show.id)
        path = self._path(recording)
        if path is None or not await asyncio.to_thread(path.is_file):
            raise ReplayNotFound("the replay's file is gone", recording_id=recording_id)
        return path, recording.container.content_type

    async def delete(self, creator: Creator, show_id: str) -> int:
        """Delete the ended show's replay (owner only); returns how many parts went."""
        show = await self._shows.get(show_id)
        if show.creator_id != creator.id:
            raise NotOwner("only the show's creator may delete its replay", show_id=show_id)
        if show.status is not ShowStatus.ENDED:
            raise ShowNotEnded(
                "a replay can be deleted once the show has ended", status=show.status.value
            )
        parts = await self._recordings.for_show(show_id)
        return await self._delete_parts(
            [p for p in parts if p.status is not RecordingStatus.DELETED]
        )

    async def apply_retention(self, now: float | None = None) -> int:
        """Delete the parts of shows that ended over `retention_days` ago (0 keeps them)."""
        if self._retention_days <= 0:
            return 0
        moment = self._clock() if now is None else now
        cutoff = moment - self._retention_days * 86_400
        expired = await self._recordings.of_shows_ended_before(cutoff)
        # Each node deletes the files on its own disk; another node's parts are its to delete.
        held = [part for part in expired if await asyncio.to_thread(self._holds, part)]
        deleted = await self._delete_parts(held)
        if deleted:
            logger.info("retention deleted %d replay part(s)", deleted)
        return deleted

    async def _playable_parts(self, show: Show) -> list[Recording]:
        if show.status is not ShowStatus.ENDED:
            raise ReplayNotFound(
                "the replay plays once the show has ended",
                show_id=show.id,
                status=show.status.value,
            )
        parts = [part for part in await self._recordings.for_show(show.id) if part.playable]
        if not parts:
            raise ReplayNotFound("this show has no replay", show_id=show.id)
        return parts

    async def _chapters(self, show: Show, events: Sequence[TimelineEvent]) -> list[dict[str, Any]]:
        end_ms = show.offset_ms(show.ended_at) if show.ended_at is not None else None
        products: dict[str, dict[str, Any] | None] = {}
        chapters = []
        for event in events:
            if event.kind is not TimelineKind.PIN or event.product_id is None:
                continue
            if event.product_id not in products:
                products[event.product_id] = await self._product_json(event.product_id)
            product = products[event.product_id]
            if product is None:
                continue  # gone from the catalogue: nothing left to show or sell
            until = pin_until_ms(events, event)
            until_ms = until if until is not None else end_ms
            sale = None
            if event.flash_sale is not None:
                # Where the live sale stopped, in show time: the page prices by it.
                sale = {
                    **event.flash_sale.as_json(),
                    "until_ms": replay_sale_until_ms(event, until_ms),
                }
            chapters.append(
                {
                    "pin_id": event.id,
                    "product": product,
                    "offset_ms": event.offset_ms,
                    "until_ms": until_ms,
                    "flash_sale": sale,
                }
            )
        return chapters

    async def _product_json(self, product_id: str) -> dict[str, Any] | None:
        try:
            return self._render_product(await self._products.get(product_id))
        except ProductNotFound:
            return None

    async def _delete_parts(self, parts: Sequence[Recording]) -> int:
        for part in parts:
            path = self._path(part)
            if path is not None:
                await asyncio.to_thread(path.unlink, missing_ok=True)
            # Marked after the file went: a failed unlink leaves the part to retry.
            await self._recordings.finish(
                part.id, RecordingStatus.DELETED, part.duration_ms, part.size_bytes, part.error
            )
        return len(parts)

    def _holds(self, recording: Recording) -> bool:
        """Whether this node's recordings folder has the part's file."""
        path = self._path(recording)
        return path is not None and path.exists()

    def _path(self, recording: Recording) -> Path | None:
        # Names come from our own database, but a path must never leave the folder.
        path = self._folder / recording.file_name
        if path.parent != self._folder or recording.file_name in ("", ".", ".."):
            logger.warning("recording %s has an unsafe file name", recording.id)
            return None
        return path
