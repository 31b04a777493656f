"""JSON shapes of catalogue objects, shared by every endpoint that returns them."""

from __future__ import annotations

from typing import Any

from livesale.domain.products import ImageInfo, Product, Variant


def image_url(image_id: str) -> str:
    """Where the app serves an image (same origin, so relative)."""
    return f"/images/{image_id}"


def image_json(image: ImageInfo) -> dict[str, Any]:
    """An uploaded image: {id, url, width, height, content_type, size_bytes}."""
    return {
        "id": image.id,
        "url": image_url(image.id),
        "width": image.width,
        "height": image.height,
        "content_type": image.content_type,
        "size_bytes": image.size_bytes,
    }


def variant_json(variant: Variant) -> dict[str, Any]:
    """One variant with its price in minor units and its stock."""
    return {
        "id": variant.id,
        "sku": variant.sku,
        "name": variant.name,
        "options": variant.options_dict(),
        "price_minor": variant.price_minor,
        "currency": variant.currency,
        "stock": variant.stock,
        "archived": variant.archived,
    }


def product_json(product: Product) -> dict[str, Any]:
    """A product with its images and every variant (archived ones flagged)."""
    return {
        "id": product.id,
        "creator_id": product.creator_id,
        "title": product.title,
        "description": product.description,
        "status": product.status.value,
        "category": product.category,
        "tags": list(product.tags),
        "images": [{"id": i, "url": image_url(i)} for i in product.image_ids],
        "variants": [variant_json(v) for v in product.variants],
        "created_at": product.created_at,
        "updated_at": product.updated_at,
    }
