"""Replays of ended shows: their parts and product chapters, their files, deleting them."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from livesale.domain.accounts import Creator
from livesale.domain.checkout import pin_until_ms, replay_sale_until_ms
from livesale.domain.errors import NotOwner, ReplayNotFound, ShowNotEnded
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
    """Reads products by id."""

    async def get_many(self, product_ids: Sequence[str]) -> list[Product]:
        """The products that exist among `product_ids`, in that order."""


@dataclass(frozen=True, slots=True)
class Chapter:
    """A product pinned during the show, from its pin to what followed it (ms of show time)."""

    pin: TimelineEvent
    product: Product
    until_ms: int | None
    # Where the live flash sale stopped, in show time: the replay prices by it.
    sale_until_ms: int | None


@dataclass(frozen=True, slots=True)
class Replay:
    """An ended show's playable parts in play order and its product chapters."""

    show: Show
    parts: list[Recording]
    chapters: list[Chapter]

    @property
    def duration_ms(self) -> int:
        """The length of every part together."""
        return sum(part.duration_ms or 0 for part in self.parts)


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
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._folder = folder
        self._retention_days = retention_days
        self._shows = shows
        self._recordings = recordings
        self._timeline = timeline
        self._products = products
        self._clock = clock

    async def replay(self, show_id: str) -> Replay:
        """The ended show's playable parts and its product chapters, else ReplayNotFound."""
        show = await self._shows.get(show_id)
        parts = await self._playable_parts(show)
        chapters = await self._chapters(show, await self._timeline.events(show.id))
        return Replay(show, parts, chapters)

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
        category: str | None = None,
    ) -> list[Show]:
        """Ended shows with a replay (of `category`, when given), newest ended first;
        `before` = (ended_at, id) of the previous page's last show."""
        ids = await self._recordings.past_replays(
            limit, creator_id=creator_id, before=before, category=category
        )
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

    async def _chapters(self, show: Show, events: Sequence[TimelineEvent]) -> list[Chapter]:
        end_ms = show.offset_ms(show.ended_at) if show.ended_at is not None else None
        pins = [e for e in events if e.kind is TimelineKind.PIN and e.product_id is not None]
        # Every pinned product in one read, however often each was pinned.
        wanted = list(dict.fromkeys(e.product_id for e in pins if e.product_id is not None))
        products = {product.id: product for product in await self._products.get_many(wanted)}
        chapters = []
        for event in pins:
            product = products.get(event.product_id or "")
            if product is None:
                continue  # gone from the catalogue: nothing left to show or sell
            until = pin_until_ms(events, event)
            until_ms = until if until is not None else end_ms
            sale_until_ms = None
            if event.flash_sale is not None:
                sale_until_ms = replay_sale_until_ms(event, until_ms)
            chapters.append(Chapter(event, product, until_ms, sale_until_ms))
        return chapters

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
