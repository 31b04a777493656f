"""Products and variants in SQLite; the only code that touches those tables."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from typing import Any

from livesale.domain.categories import tags_from_column, tags_to_column
from livesale.domain.errors import NotOwner, ProductNotFound, SkuTaken, ValidationFailed
from livesale.domain.products import (
    Product,
    ProductChanges,
    ProductInput,
    ProductStatus,
    Variant,
    VariantInput,
    new_product_id,
    new_variant_id,
)
from livesale.storage.database import Database
from livesale.storage.sql import Executor, IntegrityViolation, Row

_PRODUCT_COLUMNS = (
    "id, creator_id, title, description, status, created_at, updated_at, category, tags"
)
_VARIANT_COLUMNS = (
    "id, product_id, sku, name, options, price_minor, currency, stock, position, archived"
)
# Stay well under SQLite's limit on bound parameters per statement.
_CHUNK = 500

Fetch = Callable[[str, Sequence[Any]], Awaitable[list[Row]]]


class ProductRepository:
    """Create, read, change and archive products; every write is one transaction."""

    def __init__(self, db: Database, clock: Callable[[], float] = time.time) -> None:
        self._db = db
        self._clock = clock

    async def create(self, creator_id: str, data: ProductInput) -> Product:
        """Store a new active product of `creator_id` with its images and variants."""
        product_id = new_product_id()
        now = self._clock()
        async with _sku_guard(), self._db.transaction() as conn:
            await _check_images(conn, creator_id, data.image_ids)
            await _check_skus(conn, creator_id, product_id, data.variants)
            await conn.execute(
                f"INSERT INTO products ({_PRODUCT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    product_id,
                    creator_id,
                    data.title,
                    data.description,
                    ProductStatus.ACTIVE.value,
                    now,
                    now,
                    data.category,
                    tags_to_column(data.tags),
                ),
            )
            await _write_images(conn, product_id, data.image_ids)
            await _write_variants(conn, creator_id, product_id, data.variants)
            return await _load_one(_reader(conn), product_id)

    async def get(self, product_id: str) -> Product:
        """The product (archived or not, with archived variants), or ProductNotFound."""
        return await _load_one(self._db.fetchall, product_id)

    async def get_many(self, product_ids: Iterable[str]) -> list[Product]:
        """The products with these ids, in the order asked; unknown ids are left out."""
        wanted = list(dict.fromkeys(product_ids))
        found = {p.id: p for p in await _load(self._db.fetchall, wanted)}
        return [found[i] for i in wanted if i in found]

    async def list_for_creator(
        self,
        creator_id: str,
        status: ProductStatus | None = ProductStatus.ACTIVE,
        category: str | None = None,
    ) -> list[Product]:
        """A creator's products, newest first; `status=None` lists every one, `category`
        only those of that category."""
        sql = "SELECT id FROM products WHERE creator_id = ?"
        params: list[Any] = [creator_id]
        if status is not None:
            sql += " AND status = ?"
            params.append(status.value)
        if category is not None:
            sql += " AND category = ?"
            params.append(category)
        rows = await self._db.fetchall(sql + " ORDER BY created_at DESC, id DESC", params)
        return await self.get_many(str(row["id"]) for row in rows)

    async def update(self, creator_id: str, product_id: str, changes: ProductChanges) -> Product:
        """Apply `changes` as the owner; variants left out of a new list are archived."""
        async with _sku_guard(), self._db.transaction() as conn:
            await _owned(conn, creator_id, product_id)
            sets: dict[str, Any] = {"updated_at": self._clock()}
            if changes.title is not None:
                sets["title"] = changes.title
            if changes.description is not None:
                sets["description"] = changes.description
            if changes.category is not None:
                sets["category"] = changes.category
            if changes.tags is not None:
                sets["tags"] = tags_to_column(changes.tags)
            assignments = ", ".join(f"{column} = ?" for column in sets)
            await conn.execute(
                f"UPDATE products SET {assignments} WHERE id = ?", (*sets.values(), product_id)
            )
            if changes.image_ids is not None:
                await _check_images(conn, creator_id, changes.image_ids)
                await conn.execute("DELETE FROM product_images WHERE product_id = ?", (product_id,))
                await _write_images(conn, product_id, changes.image_ids)
            if changes.variants is not None:
                await _replace_variants(conn, creator_id, product_id, changes.variants)
            return await _load_one(_reader(conn), product_id)

    async def archive(self, creator_id: str, product_id: str) -> Product:
        """Take the product out of the catalogue (the owner only); it stays readable."""
        return await self._set_status(creator_id, product_id, ProductStatus.ARCHIVED)

    async def unarchive(self, creator_id: str, product_id: str) -> Product:
        """Bring an archived product back (the owner only)."""
        return await self._set_status(creator_id, product_id, ProductStatus.ACTIVE)

    async def _set_status(self, creator_id: str, product_id: str, status: ProductStatus) -> Product:
        async with self._db.transaction() as conn:
            current = await _owned(conn, creator_id, product_id)
            if current != status:
                await conn.execute(
                    "UPDATE products SET status = ?, updated_at = ? WHERE id = ?",
                    (status.value, self._clock(), product_id),
                )
            return await _load_one(_reader(conn), product_id)


@asynccontextmanager
async def _sku_guard() -> AsyncIterator[None]:
    """Turn the partial unique index's IntegrityViolation into SkuTaken.

    The checks before each write already name the clashing variant; this is
    the backstop for a writer in another process slipping in between.
    """
    try:
        yield
    except IntegrityViolation as exc:
        if "variants" not in str(exc):
            raise
        raise SkuTaken(
            "another live variant of yours already has this SKU", field="variants"
        ) from exc


def _reader(conn: Executor) -> Fetch:
    async def fetch(sql: str, params: Sequence[Any]) -> list[Row]:
        return await conn.fetchall(sql, tuple(params))

    return fetch


async def _owned(conn: Executor, creator_id: str, product_id: str) -> ProductStatus:
    row = await conn.fetchone("SELECT creator_id, status FROM products WHERE id = ?", (product_id,))
    if row is None:
        raise ProductNotFound("no product has this id", product_id=product_id)
    if row["creator_id"] != creator_id:
        raise NotOwner("only the creator who owns this product may change it")
    return ProductStatus(row["status"])


async def _check_images(conn: Executor, creator_id: str, image_ids: Sequence[str]) -> None:
    if not image_ids:
        return
    marks = ", ".join("?" * len(image_ids))
    rows = await _reader(conn)(
        f"SELECT id FROM images WHERE creator_id = ? AND id IN ({marks})", (creator_id, *image_ids)
    )
    mine = {str(row["id"]) for row in rows}
    for i, image_id in enumerate(image_ids):
        if image_id not in mine:
            # Another creator's image is reported like a missing one: ids stay private.
            raise ValidationFailed(
                "no image of yours has this id", field=f"image_ids[{i}]", reason="not_found"
            )


async def _check_skus(
    conn: Executor,
    creator_id: str,
    product_id: str,
    variants: Sequence[VariantInput],
) -> None:
    marks = ", ".join("?" * len(variants))
    rows = await _reader(conn)(
        "SELECT sku FROM variants WHERE creator_id = ? AND archived = 0 AND product_id != ?"
        f" AND sku IN ({marks})",
        (creator_id, product_id, *(v.sku for v in variants)),
    )
    taken = {str(row["sku"]) for row in rows}
    for i, variant in enumerate(variants):
        if variant.sku in taken:
            raise SkuTaken(
                f"SKU {variant.sku!r} is already used by another of your products",
                field=f"variants[{i}].sku",
                sku=variant.sku,
            )


async def _write_images(conn: Executor, product_id: str, image_ids: Sequence[str]) -> None:
    await conn.executemany(
        "INSERT INTO product_images (product_id, position, image_id) VALUES (?, ?, ?)",
        [(product_id, position, image_id) for position, image_id in enumerate(image_ids)],
    )


async def _write_variants(
    conn: Executor,
    creator_id: str,
    product_id: str,
    variants: Sequence[VariantInput],
    start: int = 0,
) -> None:
    await conn.executemany(
        "INSERT INTO variants (id, product_id, creator_id, sku, name, options, price_minor,"
        " currency, stock, position, archived) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)",
        [
            (new_variant_id(), product_id, creator_id, *_variant_values(v, position))
            for position, v in enumerate(variants, start=start)
        ],
    )


def _variant_values(variant: VariantInput, position: int) -> tuple[object, ...]:
    """A variant's sku, name, options, price, currency, stock and position, in that order."""
    return (
        variant.sku,
        variant.name,
        json.dumps(dict(variant.options)),
        variant.price_minor,
        variant.currency,
        variant.stock,
        position,
    )


async def _replace_variants(
    conn: Executor,
    creator_id: str,
    product_id: str,
    variants: Sequence[VariantInput],
) -> None:
    rows = await _reader(conn)("SELECT id FROM variants WHERE product_id = ?", (product_id,))
    existing = {str(row["id"]) for row in rows}
    for i, variant in enumerate(variants):
        if variant.id is not None and variant.id not in existing:
            raise ValidationFailed(
                "this product has no variant with this id",
                field=f"variants[{i}].id",
                reason="not_found",
            )
    await _check_skus(conn, creator_id, product_id, variants)
    # Archive all first, then revive the listed ones: SKUs may move between
    # variants of this product (a swap) without tripping the unique index.
    await conn.execute("UPDATE variants SET archived = 1 WHERE product_id = ?", (product_id,))
    for position, v in enumerate(variants):
        if v.id is None:
            await _write_variants(conn, creator_id, product_id, [v], start=position)
            continue
        await conn.execute(
            "UPDATE variants SET sku = ?, name = ?, options = ?, price_minor = ?, currency = ?,"
            " stock = ?, position = ?, archived = 0 WHERE id = ?",
            (*_variant_values(v, position), v.id),
        )


async def _load_one(fetch: Fetch, product_id: str) -> Product:
    products = await _load(fetch, [product_id])
    if not products:
        raise ProductNotFound("no product has this id", product_id=product_id)
    return products[0]


async def _load(fetch: Fetch, product_ids: Sequence[str]) -> list[Product]:
    """Products with their images and variants: three queries per chunk of ids."""
    products: list[Product] = []
    for start in range(0, len(product_ids), _CHUNK):
        chunk = product_ids[start : start + _CHUNK]
        marks = ", ".join("?" * len(chunk))
        rows = await fetch(f"SELECT {_PRODUCT_COLUMNS} FROM products WHERE id IN ({marks})", chunk)
        images: dict[str, list[str]] = {}
        for row in await fetch(
            f"SELECT product_id, image_id FROM product_images WHERE product_id IN ({marks})"
            " ORDER BY position",
            chunk,
        ):
            images.setdefault(str(row["product_id"]), []).append(str(row["image_id"]))
        variants: dict[str, list[Variant]] = {}
        for row in await fetch(
            f"SELECT {_VARIANT_COLUMNS} FROM variants WHERE product_id IN ({marks})"
            " ORDER BY archived, position, id",
            chunk,
        ):
            variants.setdefault(str(row["product_id"]), []).append(_variant(row))
        products.extend(
            _product(row, images.get(str(row["id"]), []), variants.get(str(row["id"]), []))
            for row in rows
        )
    return products


def _product(row: Row, image_ids: list[str], variants: list[Variant]) -> Product:
    return Product(
        id=str(row["id"]),
        creator_id=str(row["creator_id"]),
        title=str(row["title"]),
        description=str(row["description"]),
        status=ProductStatus(row["status"]),
        image_ids=tuple(image_ids),
        variants=tuple(variants),
        created_at=float(row["created_at"]),
        updated_at=float(row["updated_at"]),
        category=str(row["category"]),
        tags=tags_from_column(row["tags"]),
    )


def _variant(row: Row) -> Variant:
    options = json.loads(row["options"])
    return Variant(
        id=str(row["id"]),
        product_id=str(row["product_id"]),
        sku=str(row["sku"]),
        name=str(row["name"]),
        options=tuple((str(k), str(v)) for k, v in options.items()),
        price_minor=int(row["price_minor"]),
        currency=str(row["currency"]),
        stock=int(row["stock"]),
        position=int(row["position"]),
        archived=bool(row["archived"]),
    )
