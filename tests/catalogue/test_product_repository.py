"""ProductRepository on a real SQLite file: writes, ownership, SKUs, archiving."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from livesale.domain.errors import (
    LivesaleError,
    NotOwner,
    ProductNotFound,
    SkuTaken,
    ValidationFailed,
)
from livesale.domain.products import ProductStatus
from livesale.storage.database import Database
from livesale.storage.images import ImageStore
from livesale.storage.products import ProductRepository
from livesale.web.catalogue_requests import parse_new_product, parse_product_changes
from tests.catalogue.images import make_image
from tests.support.world import ALICE, BOB


def variant(**overrides: Any) -> dict[str, Any]:
    """A valid variant body with some fields replaced."""
    return {"sku": "TEE-M", "price_minor": 1999, "currency": "EUR", "stock": 10, **overrides}


def new(**overrides: Any) -> Any:
    """A validated new product."""
    return parse_new_product({"title": "T-shirt", "variants": [variant()], **overrides})


async def count(db: Database, table: str) -> int:
    row = await db.fetchone(f"SELECT COUNT(*) FROM {table}")
    assert row is not None
    return int(row[0])


async def test_create_then_read_back(products: ProductRepository, images: ImageStore) -> None:
    image = await images.save(ALICE, make_image("PNG"))
    created = await products.create(
        ALICE,
        new(
            description="Soft",
            image_ids=[image.id],
            variants=[variant(options={"size": "M"}), variant(sku="TEE-L", stock=0)],
        ),
    )
    assert created.creator_id == ALICE
    assert created.status is ProductStatus.ACTIVE
    assert created.image_ids == (image.id,)
    assert [v.sku for v in created.variants] == ["TEE-M", "TEE-L"]
    assert created.variants[0].options_dict() == {"size": "M"}
    assert created.variants[0].name == "M"
    assert created.currency == "EUR"
    assert await products.get(created.id) == created


async def test_unknown_product(products: ProductRepository) -> None:
    with pytest.raises(ProductNotFound):
        await products.get("nope")


async def test_get_many_keeps_the_order_asked_and_skips_unknown(
    products: ProductRepository,
) -> None:
    a = await products.create(ALICE, new(variants=[variant(sku="A")]))
    b = await products.create(ALICE, new(variants=[variant(sku="B")]))
    found = await products.get_many([b.id, "missing", a.id, b.id])
    assert [p.id for p in found] == [b.id, a.id]
    assert await products.get_many([]) == []


async def test_list_for_creator_by_status(products: ProductRepository) -> None:
    first = await products.create(ALICE, new(variants=[variant(sku="A")]))
    second = await products.create(ALICE, new(variants=[variant(sku="B")]))
    await products.create(BOB, new(variants=[variant(sku="A")]))
    await products.archive(ALICE, first.id)
    active = await products.list_for_creator(ALICE)
    assert [p.id for p in active] == [second.id]
    archived = await products.list_for_creator(ALICE, ProductStatus.ARCHIVED)
    assert [p.id for p in archived] == [first.id]
    every = await products.list_for_creator(ALICE, None)
    assert {p.id for p in every} == {first.id, second.id}


async def test_sku_is_unique_per_creator_among_live_variants(
    products: ProductRepository, db: Database
) -> None:
    await products.create(ALICE, new(variants=[variant(sku="MUG")]))
    await products.create(BOB, new(variants=[variant(sku="MUG")]))  # another creator: fine
    before = await count(db, "products")
    with pytest.raises(SkuTaken) as info:
        await products.create(ALICE, new(variants=[variant(sku="CUP"), variant(sku="MUG")]))
    assert info.value.code == "sku_taken"
    assert info.value.status == 409
    assert info.value.details["field"] == "variants[1].sku"
    assert await count(db, "products") == before
    assert await count(db, "variants") == 2


async def test_update_variants_update_create_and_archive(products: ProductRepository) -> None:
    product = await products.create(
        ALICE, new(variants=[variant(sku="S"), variant(sku="M"), variant(sku="L")])
    )
    small, medium, large = product.variants
    changes = parse_product_changes(
        {
            "title": "Tee v2",
            "variants": [
                variant(id=large.id, sku="L", price_minor=2500, stock=3),
                variant(sku="XL", options={"size": "XL"}),
                variant(id=small.id, sku="S"),
            ],
        }
    )
    updated = await products.update(ALICE, product.id, changes)
    assert updated.title == "Tee v2"
    live = updated.active_variants
    assert [v.sku for v in live] == ["L", "XL", "S"]
    assert live[0].id == large.id
    assert live[0].price_minor == 2500
    assert live[0].stock == 3
    assert live[1].id not in {small.id, medium.id, large.id}
    gone = updated.variant(medium.id)
    assert gone.archived
    assert gone.sku == "M"
    assert updated.updated_at >= product.updated_at
    # The archived variant's SKU is free again for a new product.
    other = await products.create(ALICE, new(variants=[variant(sku="M")]))
    assert other.variants[0].sku == "M"


async def test_skus_can_swap_within_a_product(products: ProductRepository) -> None:
    product = await products.create(ALICE, new(variants=[variant(sku="A"), variant(sku="B")]))
    a, b = product.variants
    changes = parse_product_changes(
        {"variants": [variant(id=a.id, sku="B"), variant(id=b.id, sku="A")]}
    )
    updated = await products.update(ALICE, product.id, changes)
    assert updated.variant(a.id).sku == "B"
    assert updated.variant(b.id).sku == "A"


async def test_refused_updates_change_nothing(
    products: ProductRepository, images: ImageStore
) -> None:
    product = await products.create(ALICE, new(variants=[variant(sku="A"), variant(sku="B")]))
    theirs = await products.create(BOB, new(variants=[variant(sku="C")]))
    bob_image = await images.save(BOB, make_image("PNG"))
    await products.create(ALICE, new(variants=[variant(sku="TAKEN")]))
    a, _b = product.variants
    refusals: list[tuple[dict[str, Any], type[LivesaleError], str]] = [
        (
            {"variants": [variant(id=theirs.variants[0].id, sku="A")]},
            ValidationFailed,
            "variants[0].id",
        ),
        (
            {"title": "New", "variants": [variant(id=a.id, sku="TAKEN")]},
            SkuTaken,
            "variants[0].sku",
        ),
        ({"title": "New", "image_ids": [bob_image.id]}, ValidationFailed, "image_ids[0]"),
        ({"title": "New", "image_ids": ["unknown"]}, ValidationFailed, "image_ids[0]"),
    ]
    for body, error, field in refusals:
        with pytest.raises(error) as info:
            await products.update(ALICE, product.id, parse_product_changes(body))
        assert info.value.details["field"] == field
        assert await products.get(product.id) == product


async def test_only_the_owner_may_change(products: ProductRepository) -> None:
    product = await products.create(ALICE, new())
    with pytest.raises(NotOwner) as info:
        await products.update(BOB, product.id, parse_product_changes({"title": "Mine"}))
    assert info.value.code == "not_owner"
    assert info.value.status == 403
    with pytest.raises(NotOwner):
        await products.archive(BOB, product.id)
    with pytest.raises(NotOwner):
        await products.unarchive(BOB, product.id)
    assert await products.get(product.id) == product
    with pytest.raises(ProductNotFound):
        await products.archive(ALICE, "missing")


async def test_archived_products_stay_readable_with_their_variants(
    products: ProductRepository,
) -> None:
    product = await products.create(ALICE, new(variants=[variant(sku="A"), variant(sku="B")]))
    archived = await products.archive(ALICE, product.id)
    assert archived.status is ProductStatus.ARCHIVED
    again = await products.archive(ALICE, product.id)  # idempotent
    assert again == archived
    read = await products.get(product.id)
    assert read.status is ProductStatus.ARCHIVED
    assert [v.sku for v in read.variants] == ["A", "B"]
    assert await products.get_many([product.id]) == [read]
    back = await products.unarchive(ALICE, product.id)
    assert back.status is ProductStatus.ACTIVE
    assert back.variants == product.variants


async def test_images_are_kept_in_order_and_replaced(
    products: ProductRepository, images: ImageStore
) -> None:
    one = await images.save(ALICE, make_image("PNG"))
    two = await images.save(ALICE, make_image("JPEG"))
    product = await products.create(ALICE, new(image_ids=[two.id, one.id]))
    assert product.image_ids == (two.id, one.id)
    updated = await products.update(
        ALICE, product.id, parse_product_changes({"image_ids": [one.id]})
    )
    assert updated.image_ids == (one.id,)
    cleared = await products.update(ALICE, product.id, parse_product_changes({"image_ids": []}))
    assert cleared.image_ids == ()


async def test_concurrent_creates_with_one_sku_let_one_win(
    products: ProductRepository, db: Database
) -> None:
    results = await asyncio.gather(
        *(products.create(ALICE, new(variants=[variant(sku="RACE")])) for _ in range(5)),
        return_exceptions=True,
    )
    winners = [r for r in results if not isinstance(r, BaseException)]
    losers = [r for r in results if isinstance(r, SkuTaken)]
    assert len(winners) == 1
    assert len(losers) == 4
    assert await count(db, "products") == 1
