"""The direct-message record on both engines: one conversation per pair, unread counts,
reads that never move back, and retention that deletes old messages only."""

from __future__ import annotations

from prometheus_client import REGISTRY

from livesale.composition.services import SERVICES
from livesale.domain.messages import Side
from livesale.live.message_retention import SECONDS_PER_DAY, MessageRetention
from livesale.storage.database import Database
from livesale.storage.messages import MessageRepository
from livesale.storage.viewers import ViewerRepository
from tests.support.clients import Client
from tests.support.clocks import FakeClock
from tests.support.polling import poll_until
from tests.support.world import ALICE, BOB


async def _record(database: Database) -> tuple[str, str]:
    async with database.transaction() as conn:
        await conn.executemany(
            "INSERT INTO creators (id, email, display_name, password_hash, created_at)"
            " VALUES (?, ?, ?, 'x', 0)",
            [(ALICE, "alice@example.com", "Alice"), (BOB, "bob@example.com", "Bob")],
        )
    viewers = ViewerRepository(database)
    mia, _ = await viewers.create("Mia")
    leo, _ = await viewers.create("Leo")
    return mia.id, leo.id


async def test_one_conversation_per_pair_with_unread_counts(database: Database) -> None:
    mia, leo = await _record(database)
    repo = MessageRepository(database)
    first = await repo.open(mia, ALICE)
    assert (await repo.open(mia, ALICE)).id == first.id
    other = await repo.open(leo, ALICE)
    await repo.open(mia, BOB)
    assert other.id != first.id

    one = await repo.add(first.id, Side.VIEWER, mia, "hi", None)
    await repo.add(first.id, Side.VIEWER, mia, "there", None)
    await repo.add(other.id, Side.VIEWER, leo, "hello", None)
    assert await repo.unread_of_shop(ALICE) == 3
    assert await repo.unread_of_shop(BOB) == 0
    assert await repo.unread_of_viewer(mia) == 0
    # Unread conversations first in the shop's inbox, each with its last message.
    await repo.mark_read(other.id, Side.SHOP, 10**9)
    entries = await repo.inbox_of_shop(ALICE)
    assert [(e.conversation.id, e.unread) for e in entries] == [(first.id, 2), (other.id, 0)]
    last = entries[0].last
    assert last is not None
    assert last.text == "there"
    # A read never moves backwards.
    await repo.mark_read(first.id, Side.SHOP, one.id)
    await repo.mark_read(first.id, Side.SHOP, 0)
    assert await repo.unread_of_shop(ALICE) == 1
    # The sender has read their own message; the other side has not.
    answer = await repo.add(first.id, Side.SHOP, ALICE, "welcome", None)
    assert await repo.unread_of_shop(ALICE) == 0
    assert await repo.unread_of_viewer(mia) == 1
    assert (await repo.get(first.id)).shop_read_id == answer.id


async def test_retention_deletes_only_messages_past_the_period(database: Database) -> None:
    mia, _ = await _record(database)
    clock = FakeClock()
    repo = MessageRepository(database, clock)
    conversation = await repo.open(mia, ALICE)
    await repo.add(conversation.id, Side.VIEWER, mia, "old", None)
    clock.advance(20 * SECONDS_PER_DAY)
    await repo.add(conversation.id, Side.SHOP, ALICE, "recent", None)
    clock.advance(11 * SECONDS_PER_DAY)

    assert await MessageRetention(repo, 0, clock).apply() == 0
    assert len(await repo.messages(conversation.id, 10)) == 2
    assert await MessageRetention(repo, 30, clock).apply() == 1
    assert [m.text for m in await repo.messages(conversation.id, 10)] == ["recent"]
    # The conversation (and its block and read state) stays.
    assert (await repo.get(conversation.id)).viewer_id == mia


async def test_a_serving_process_takes_the_retention_lease(app_client: Client) -> None:
    assert app_client.app[SERVICES].settings.messages.retention_days > 0

    def leading() -> bool:
        value = REGISTRY.get_sample_value(
            "livesale_background_job_leader", {"job": "message_retention"}
        )
        return value == 1.0

    await poll_until(leading, 10, "the message_retention lease")
