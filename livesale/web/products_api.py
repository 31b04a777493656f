"""Catalogue API: image uploads and serving, products create/read/update/archive."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial

from aiohttp import BodyPartReader, web

from livesale.domain.categories import validate_category
from livesale.domain.errors import BadRequest, PayloadTooLarge, ValidationFailed
from livesale.domain.products import ProductStatus
from livesale.shop.assembly import Shop
from livesale.storage.images import ImageStore
from livesale.storage.products import ProductRepository
from livesale.web.auth import Identity
from livesale.web.catalogue_json import image_json, product_json
from livesale.web.catalogue_requests import parse_new_product, parse_product_changes
from livesale.web.json_body import read_object

# Room for a multipart envelope (boundaries, part headers) around the file itself.
MULTIPART_OVERHEAD_BYTES = 16_384
IMAGE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    # Ids are never reused and files never change: cache for a year.
    "Cache-Control": "public, max-age=31536000, immutable",
    # Opened directly, an image must not be able to run or load anything.
    "Content-Security-Policy": "default-src 'none'",
}
_Reader = Callable[[int], Awaitable[bytes]]
_STATUS_FILTERS: dict[str, ProductStatus | None] = {
    "active": ProductStatus.ACTIVE,
    "archived": ProductStatus.ARCHIVED,
    "all": None,
}


def add_catalogue_routes(
    app: web.Application,
    *,
    images: ImageStore,
    identity: Identity,
    products: ProductRepository,
    shop: Shop,
) -> None:
    """Register the image and product endpoints."""
    app.router.add_post("/api/images", partial(upload_image, images=images, identity=identity))
    app.router.add_get("/images/{image_id}", partial(serve_image, images=images))
    app.router.add_post(
        "/api/products", partial(create_product, products=products, identity=identity)
    )
    app.router.add_get(
        "/api/products", partial(list_products, products=products, identity=identity)
    )
    app.router.add_get("/api/products/{product_id}", partial(get_product, products=products))
    app.router.add_patch(
        "/api/products/{product_id}",
        partial(update_product, shop=shop, products=products, identity=identity),
    )
    app.router.add_post(
        "/api/products/{product_id}/archive",
        partial(archive_product, products=products, identity=identity),
    )
    app.router.add_post(
        "/api/products/{product_id}/unarchive",
        partial(unarchive_product, products=products, identity=identity),
    )


async def upload_image(
    request: web.Request, *, images: ImageStore, identity: Identity
) -> web.Response:
    """Store an uploaded JPEG, PNG or WebP (raw body or multipart field `file`)."""
    creator = await identity.require_creator(request)
    store = images
    data = await _read_upload(request, store.max_bytes)
    image = await store.save(creator.id, data)
    return web.json_response({"image": image_json(image)}, status=201)


async def serve_image(request: web.Request, *, images: ImageStore) -> web.FileResponse:
    """An uploaded image, with the type recorded at upload and a long cache life."""
    image, path = await images.open(request.match_info["image_id"])
    return web.FileResponse(path, headers={"Content-Type": image.content_type, **IMAGE_HEADERS})


async def create_product(
    request: web.Request, *, products: ProductRepository, identity: Identity
) -> web.Response:
    """Create a product of the signed-in creator."""
    creator = await identity.require_creator(request)
    data = parse_new_product(await read_object(request))
    product = await products.create(creator.id, data)
    return web.json_response({"product": product_json(product)}, status=201)


async def list_products(
    request: web.Request, *, products: ProductRepository, identity: Identity
) -> web.Response:
    """The signed-in creator's products, newest first (`?status=active|archived|all`,
    `?category=`)."""
    creator = await identity.require_creator(request)
    raw = request.query.get("status", "active")
    if raw not in _STATUS_FILTERS:
        raise ValidationFailed(
            "status must be active, archived or all", field="status", reason="bad_format"
        )
    raw_category = request.query.get("category")
    category = None if raw_category is None else validate_category(raw_category)
    listed = await products.list_for_creator(creator.id, _STATUS_FILTERS[raw], category)
    return web.json_response({"products": [product_json(p) for p in listed]})


async def get_product(request: web.Request, *, products: ProductRepository) -> web.Response:
    """One product, archived or not (public: buyers and old orders read it)."""
    product = await products.get(request.match_info["product_id"])
    return web.json_response({"product": product_json(product)})


async def update_product(
    request: web.Request, *, shop: Shop, products: ProductRepository, identity: Identity
) -> web.Response:
    """Change a product (the owner only); a `variants` list replaces the live variants."""
    creator = await identity.require_creator(request)
    changes = parse_product_changes(await read_object(request))
    product = await shop.stock.update_product(
        products, creator.id, request.match_info["product_id"], changes
    )
    shop.catalogue.forget_product(product.id)
    return web.json_response({"product": product_json(product)})


async def archive_product(
    request: web.Request, *, products: ProductRepository, identity: Identity
) -> web.Response:
    """Take a product out of the catalogue (the owner only)."""
    creator = await identity.require_creator(request)
    product = await products.archive(creator.id, request.match_info["product_id"])
    return web.json_response({"product": product_json(product)})


async def unarchive_product(
    request: web.Request, *, products: ProductRepository, identity: Identity
) -> web.Response:
    """Bring an archived product back (the owner only)."""
    creator = await identity.require_creator(request)
    product = await products.unarchive(creator.id, request.match_info["product_id"])
    return web.json_response({"product": product_json(product)})


async def _read_upload(request: web.Request, limit: int) -> bytes:
    """The uploaded bytes, read up to one byte past `limit` so too-large bodies stop early.

    The app-wide client_max_size (for JSON) is far below image sizes, so the
    stream is read here with the image limit instead of request.read().
    """
    multipart = request.content_type.startswith("multipart/")
    allowed = limit + (MULTIPART_OVERHEAD_BYTES if multipart else 0)
    if request.content_length is not None and request.content_length > allowed:
        raise _too_large(limit)
    if multipart:
        try:
            reader = await request.multipart()
            part = await reader.next()
            if not isinstance(part, BodyPartReader) or part.name != "file":
                raise ValidationFailed(
                    "send the image as the multipart field 'file'", field="file", reason="required"
                )
            data = await _read_capped(part.read_chunk, limit)
        except ValueError as exc:  # aiohttp's word for a broken multipart envelope
            raise BadRequest("the multipart body is malformed", field="file") from exc
    else:
        data = await _read_capped(request.content.read, limit)
    if len(data) > limit:
        raise _too_large(limit)
    return data


async def _read_capped(read: _Reader, limit: int) -> bytes:
    # A read returns what has arrived so far, not the size asked: loop to the
    # end of the body or one byte past the cap.
    body = bytearray()
    while len(body) <= limit:
        chunk = await read(limit + 1 - len(body))
        if not chunk:
            break
        body += chunk
    return bytes(body)


def _too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"an image may be at most {limit} bytes", max_bytes=limit)
