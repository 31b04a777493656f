"""`GET /api/search`: shows, products and creators that match what a person typed.

Public, read-only and limited per client address. The words are made the same
way for every engine (`domain.search_text`); what the person typed is never
query syntax, so no query can fail with anything but a clear 400 or 429.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from aiohttp import web

from livesale.config import SearchSettings
from livesale.domain.categories import validate_category
from livesale.domain.errors import CreatorNotFound, ValidationFailed
from livesale.domain.products import Product
from livesale.domain.search_text import parse_query
from livesale.storage.creators import CreatorRepository
from livesale.storage.products import ProductRepository
from livesale.storage.rate_limits import RateLimiter
from livesale.storage.search import ProductHit, SearchRepository
from livesale.storage.shows import ShowRepository
from livesale.web.catalogue_json import image_url
from livesale.web.listings_api import Listing
from livesale.web.person import request_address
from livesale.web.query_numbers import whole_number

KINDS = ("all", "shows", "products", "creators")
# One kind pages through its results; "all" gives the first few of each kind.
DEFAULT_LIMIT = 20
DEFAULT_LIMIT_PER_KIND = 6
MAX_LIMIT = 50
MAX_OFFSET = 500
RATE_WINDOW_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class SearchParts:
    """What the search route reads from: the index, and the records it shows."""

    search: SearchRepository
    shows: ShowRepository
    products: ProductRepository
    creators: CreatorRepository
    listing: Listing
    limiter: RateLimiter
    settings: SearchSettings


def add_search_routes(app: web.Application, *, parts: SearchParts) -> None:
    """Register the search endpoint."""
    app.router.add_get("/api/search", partial(search, parts=parts))


@dataclass(frozen=True, slots=True)
class SearchRequest:
    """A search's query string, checked."""

    text: str
    kind: str
    category: str | None
    limit: int
    offset: int


async def search(request: web.Request, *, parts: SearchParts) -> web.Response:
    """Shows, products and creators matching `q` (`kind`, `category`, `limit`, `offset`)."""
    asked = parse_search_request(request.query, parts.settings)
    await parts.limiter.check(
        f"search:{request_address(request)}",
        parts.settings.requests_per_minute,
        RATE_WINDOW_SECONDS,
        "searches",
    )
    query = parse_query(asked.text)
    page = {"limit": asked.limit, "offset": asked.offset}
    body: dict[str, Any] = {"q": asked.text, "kind": asked.kind, "category": asked.category}
    found = 0
    if asked.kind in ("all", "shows"):
        show_ids = await parts.search.shows(query, category=asked.category, **page)
        body["shows"] = await parts.listing.listed(await parts.shows.get_many(show_ids))
        found = max(found, len(show_ids))
    if asked.kind in ("all", "products"):
        hits = await parts.search.products(query, category=asked.category, **page)
        body["products"] = await _products_json(parts, hits)
        found = max(found, len(hits))
    # Creators have no category: a search within one names none.
    if asked.kind in ("all", "creators") and asked.category is None:
        creator_ids = await parts.search.creators(query, **page)
        body["creators"] = await _creators_json(parts.creators, creator_ids)
        found = max(found, len(creator_ids))
    more = asked.kind != "all" and found == asked.limit and asked.offset + found <= MAX_OFFSET
    body["next_offset"] = asked.offset + found if more else None
    return web.json_response(body)


def parse_search_request(query: Mapping[str, str], settings: SearchSettings) -> SearchRequest:
    """The query string's `q`, `kind`, `category`, `limit` and `offset`; ValidationFailed names
    the first bad one."""
    text = query.get("q", "")
    if not text.strip():
        raise ValidationFailed("q is required", field="q", reason="required")
    if len(text) > settings.max_query_length:
        raise ValidationFailed(
            f"q must be at most {settings.max_query_length} characters",
            field="q",
            reason="too_long",
            max=settings.max_query_length,
            length=len(text),
        )
    kind = query.get("kind", "all")
    if kind not in KINDS:
        raise ValidationFailed(
            f"kind must be one of {', '.join(KINDS)}", field="kind", reason="bad_format"
        )
    raw_category = query.get("category")
    category = None if raw_category in (None, "") else validate_category(raw_category)
    default = DEFAULT_LIMIT_PER_KIND if kind == "all" else DEFAULT_LIMIT
    limit = whole_number(query.get("limit"), "limit", default, 1, MAX_LIMIT)
    offset = whole_number(query.get("offset"), "offset", 0, 0, MAX_OFFSET)
    if kind == "all" and offset:
        raise ValidationFailed(
            "offset pages one kind of result; choose a kind", field="offset", reason="not_allowed"
        )
    return SearchRequest(text, kind, category, limit, offset)


async def _products_json(parts: SearchParts, hits: list[ProductHit]) -> list[dict[str, Any]]:
    products = {p.id: p for p in await parts.products.get_many(hit.product_id for hit in hits)}
    names: dict[str, str] = {}
    found = []
    for hit in hits:
        product = products.get(hit.product_id)
        if product is not None:
            found.append(await _product_json(parts.creators, product, hit.show_id, names))
    return found


async def _product_json(
    creators: CreatorRepository, product: Product, show_id: str | None, names: dict[str, str]
) -> dict[str, Any]:
    """A product as search lists it: where to see it (a show carrying it, else its creator's
    page) and its lowest price."""
    if product.creator_id not in names:
        names[product.creator_id] = (await creators.get(product.creator_id)).display_name
    live = product.active_variants or product.variants
    cheapest = min(live, key=lambda v: v.price_minor)
    return {
        "id": product.id,
        "title": product.title,
        "category": product.category,
        "tags": list(product.tags),
        "image_url": image_url(product.image_ids[0]) if product.image_ids else None,
        "price_minor": cheapest.price_minor,
        "currency": cheapest.currency,
        "creator": {"id": product.creator_id, "display_name": names[product.creator_id]},
        "show_id": show_id,
        "url": f"/watch/{show_id}" if show_id else f"/creators/{product.creator_id}",
    }


async def _creators_json(creators: CreatorRepository, ids: list[str]) -> list[dict[str, Any]]:
    found = []
    for creator_id in ids:
        try:
            creator = await creators.get(creator_id)
        except CreatorNotFound:
            continue
        found.append(
            {
                "id": creator.id,
                "display_name": creator.display_name,
                "url": f"/creators/{creator.id}",
            }
        )
    return found
