"""JSON shapes of reviews and ratings (times in epoch seconds, like orders)."""

from __future__ import annotations

from typing import Any

from livesale.domain.reviews import Rating, Review, ReviewPage, encode_cursor
from livesale.web.catalogue_json import image_url


def rating_json(rating: Rating) -> dict[str, Any]:
    """{average (one decimal, null without reviews), count}."""
    return {"average": rating.average, "count": rating.count}


def review_json(
    review: Review, *, for_author: bool = False, for_shop: bool = False
) -> dict[str, Any]:
    """A review; its author and its shop also see its state (and why it may be hidden)."""
    body: dict[str, Any] = {
        "id": review.id,
        "product_id": review.product_id,
        "product_title": review.product_title,
        "author": {"name": review.author_name},
        "stars": review.stars,
        "text": review.text,
        "photos": [{"id": i, "url": image_url(i)} for i in review.photo_ids],
        "helpful_count": review.helpful_count,
        "reply": None
        if review.reply is None
        else {
            "text": review.reply.text,
            "at": review.reply.at,
            "edited_at": review.reply.edited_at,
            "edited": review.reply.edited_at is not None,
        },
        "created_at": review.created_at,
        "edited_at": review.edited_at,
        "edited": review.edited_at is not None,
    }
    if for_author or for_shop:
        body |= {
            "state": review.state.value,
            "refunded": review.refunded,
            "shown": review.shown,
            "order_id": review.order_id,
            "line": review.position,
        }
    return body


def review_page_json(page: ReviewPage, *, for_shop: bool = False) -> dict[str, Any]:
    """{reviews, next_cursor (null on the last page)}."""
    cursor = None if page.next_cursor is None else encode_cursor(page.next_cursor)
    return {
        "reviews": [review_json(r, for_shop=for_shop) for r in page.reviews],
        "next_cursor": cursor,
    }
