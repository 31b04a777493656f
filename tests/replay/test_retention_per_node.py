"""Replay retention with several nodes: each node deletes only the files on its own disk."""

from __future__ import annotations

from pathlib import Path

from livesale import keys
from livesale.config import Settings
from livesale.domain.recordings import RecordingStatus
from livesale.live.replays import ReplayService
from livesale.storage.recordings import RecordingRepository
from livesale.storage.shows import ShowRepository
from livesale.storage.timeline import TimelineRepository
from tests.support.clients import Client
from tests.support.replay import record_part
from tests.support.world import create_show

DAY = 86_400.0


def node_retention(alice: Client, folder: Path) -> ReplayService:
    """The retention of a node whose recordings folder is `folder` (one day kept)."""
    app = alice.app
    return ReplayService(
        folder,
        1.0,
        app[keys.SHOWS],
        RecordingRepository(app[keys.DATABASE]),
        TimelineRepository(app[keys.DATABASE]),
        app[keys.PRODUCTS],
    )


async def test_a_node_leaves_the_parts_another_node_holds_to_that_node(
    alice: Client, settings: Settings, tmp_path: Path
) -> None:
    now = 1_900_000_000.0
    show_id = (await create_show(alice))["show"]["id"]
    shows = ShowRepository(alice.app[keys.DATABASE], clock=lambda: now - 3 * DAY)
    await shows.mark_live(show_id)
    await shows.mark_ended(show_id)
    # Recorded by the node whose folder is settings.recordings_dir.
    part, path = await record_part(alice.app, show_id)
    recordings = RecordingRepository(alice.app[keys.DATABASE])
    other_node = node_retention(alice, tmp_path / "other-node-recordings")

    # The other node has no such file: it neither deletes nor marks the part.
    assert await other_node.apply_retention(now) == 0
    kept = await recordings.get(part.id)
    assert kept is not None
    assert kept.status is RecordingStatus.COMPLETE
    assert path.is_file()

    # The node holding the file deletes it and marks the part deleted.
    holder = node_retention(alice, settings.recordings_dir)
    assert await holder.apply_retention(now) == 1
    assert not path.exists()
    gone = await recordings.get(part.id)
    assert gone is not None
    assert gone.status is RecordingStatus.DELETED
