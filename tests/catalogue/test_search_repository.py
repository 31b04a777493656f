"""Search in the record, the same cases on SQLite (FTS5) and PostgreSQL (tsvector): prefixes,
accents, Chinese words, tags, the category filter, hidden items and hostile queries."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from livesale.domain.recordings import Container, RecordingStatus
from livesale.domain.search_text import parse_query
from livesale.storage.database import Database
from livesale.storage.products import ProductRepository
from livesale.storage.recordings import RecordingRepository
from livesale.storage.search import SearchRepository
from livesale.storage.search_index import index_missing
from livesale.storage.shows import ShowRepository
from livesale.web.catalogue_requests import parse_new_product, parse_product_changes
from tests.support.search_queries import HOSTILE
from tests.support.world import ALICE, BOB

_SKUS = itertools.count(1)


@pytest.fixture
async def search(db: Database) -> SearchRepository:
    """The search over `db`, whose two creators (added without the repository) are indexed."""
    await index_missing(db)
    return SearchRepository(db)


async def _product(products: ProductRepository, creator: str = ALICE, **fields: Any) -> str:
    body = {
        "title": "Thing",
        "variants": [{"sku": f"S{next(_SKUS)}", "price_minor": 900, "currency": "EUR", "stock": 3}],
        **fields,
    }
    return (await products.create(creator, parse_new_product(body))).id


async def _products(search: SearchRepository, text: str, category: str | None = None) -> list[str]:
    hits = await search.products(parse_query(text), category=category, limit=20, offset=0)
    return [hit.product_id for hit in hits]


async def _shows(search: SearchRepository, text: str, category: str | None = None) -> list[str]:
    return await search.shows(parse_query(text), category=category, limit=20, offset=0)


async def test_words_prefixes_and_accents(
    products: ProductRepository, search: SearchRepository
) -> None:
    lipstick = await _product(products, title="Matte Lipsticks", description="Long-lasting red")
    brulee = await _product(products, title="Crème brûlée candle")
    await _product(products, title="Coffee mug")

    assert await _products(search, "lipsticks") == [lipstick]
    assert await _products(search, "LIPSTICK") == [lipstick]  # the last word as a prefix
    assert await _products(search, "lip") == [lipstick]
    assert await _products(search, "lipstick ") == []  # a finished word is a whole word
    assert await _products(search, "matte red") == [lipstick]  # title and description
    assert await _products(search, "matte blue") == []  # every word must match
    assert await _products(search, "long lasting") == [lipstick]
    assert await _products(search, "creme brulee") == [brulee]
    assert await _products(search, "CRÈME") == [brulee]
    assert await _products(search, "ｃｒｅｍｅ") == [brulee]  # noqa: RUF001 (full width on purpose)


async def test_chinese_japanese_and_thai_words_are_found_inside_unspaced_text(
    products: ProductRepository, search: SearchRepository
) -> None:
    set_ = await _product(products, title="哑光口红套装", description="持久不脱色")
    japanese = await _product(products, title="日本の口紅セット")
    thai = await _product(products, title="ลิปสติกสีแดง")
    await _product(products, title="保温杯")

    assert await _products(search, "口红") == [set_]
    assert await _products(search, "口红套装") == [set_]
    assert await _products(search, "套装 口红") == [set_]
    assert await _products(search, "口紅") == [japanese]
    assert await _products(search, "セット") == [japanese]
    assert await _products(search, "ลิปสติก") == [thai]
    assert await _products(search, "杯子") == []


async def test_tags_and_the_category_filter(
    products: ProductRepository, search: SearchRepository
) -> None:
    vegan = await _product(products, title="Balm", category="beauty", tags=["Vegan", "礼物"])
    snack = await _product(products, title="Cookies", category="food", tags=["vegan"])

    assert set(await _products(search, "vegan")) == {vegan, snack}
    assert await _products(search, "vegan", category="food") == [snack]
    assert await _products(search, "礼物") == [vegan]
    # A title match outranks a tag match.
    cookies = await _product(products, title="Vegan cookies", category="food")
    assert (await _products(search, "vegan", category="food"))[0] == cookies

    # A change of tags is searchable at once.
    await products.update(ALICE, snack, parse_product_changes({"tags": ["gluten free"]}))
    assert await _products(search, "gluten") == [snack]
    assert snack not in await _products(search, "vegan")


async def test_hidden_items_are_not_found(
    db: Database, products: ProductRepository, search: SearchRepository
) -> None:
    shows, recordings = ShowRepository(db), RecordingRepository(db)
    archived = await _product(products, title="Retro camera")
    await products.archive(ALICE, archived)
    assert await _products(search, "retro") == []

    upcoming, _ = await shows.create("Camera night upcoming", creator_id=ALICE)
    live, _ = await shows.create("Camera night live", creator_id=ALICE)
    await shows.mark_live(live.id)
    gone, _ = await shows.create("Camera night gone", creator_id=ALICE)
    await shows.mark_live(gone.id)
    await shows.mark_ended(gone.id)
    replayed, _ = await shows.create("Camera night replay", creator_id=BOB)
    await shows.mark_live(replayed.id)
    part = await recordings.start_part(replayed.id, Container.WEBM, 0.0, 0)
    await recordings.finish(part.id, RecordingStatus.COMPLETE, 4000, 1000)
    await shows.mark_ended(replayed.id)

    found = await _shows(search, "camera night")
    assert set(found) == {upcoming.id, live.id, replayed.id}
    assert found[0] == live.id  # the live show first, the titles match alike


async def test_shows_by_tag_category_and_creator_name(
    db: Database, search: SearchRepository
) -> None:
    shows = ShowRepository(db)
    glow, _ = await shows.create("Friday drop", creator_id=ALICE, category="beauty", tags=("glow",))
    other, _ = await shows.create("Glow sticks party", creator_id=BOB, category="other")
    assert set(await _shows(search, "glow")) == {glow.id, other.id}
    assert await _shows(search, "glow", category="beauty") == [glow.id]
    assert await _shows(search, "alice") == [glow.id]  # the creator's name
    await shows.update(glow.id, tags=("sparkle",))
    assert await _shows(search, "glow") == [other.id]
    assert await search.creators(parse_query("ali"), limit=5, offset=0) == [ALICE]


async def test_hostile_queries_match_safely_or_find_nothing(
    products: ProductRepository, search: SearchRepository
) -> None:
    await _product(products, title="NEAR lipstick 口红 red")
    for text in HOSTILE:
        query = parse_query(text)
        await search.products(query, category=None, limit=20, offset=0)
        await search.shows(query, category=None, limit=20, offset=0)
        await search.creators(query, limit=20, offset=0)
    # Operators are words like any other, never syntax.
    assert len(await _products(search, "NEAR(lipstick red")) == 1
    assert len(await _products(search, "-lipstick")) == 1
    assert await _products(search, "lipstick OR") == []


async def test_paging(products: ProductRepository, search: SearchRepository) -> None:
    ids = {await _product(products, title=f"Scarf {i}") for i in range(5)}
    query = parse_query("scarf")
    first = await search.products(query, category=None, limit=3, offset=0)
    second = await search.products(query, category=None, limit=3, offset=3)
    assert (len(first), len(second)) == (3, 2)
    assert {hit.product_id for hit in [*first, *second]} == ids
