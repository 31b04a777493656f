"""Reviews from verified buyers: write, edit, photos, reply, report, vote, decide, list."""

from __future__ import annotations

from functools import partial

from aiohttp import web

from livesale.shop.reviews import Decider, ReviewService
from livesale.web.auth import Identity
from livesale.web.catalogue_json import image_json
from livesale.web.json_body import read_object
from livesale.web.products_api import read_upload
from livesale.web.review_json import rating_json, review_json, review_page_json
from livesale.web.review_requests import (
    EDIT_FIELDS,
    NEW_FIELDS,
    parse_cursor,
    parse_decision,
    parse_edit,
    parse_line_query,
    parse_list_query,
    parse_new_review,
    parse_order_id,
    parse_product_ids,
    parse_reply,
    parse_state_filter,
)

# Personal or moving answers: no shared cache may keep them.
NO_STORE = {"Cache-Control": "no-store"}


def add_review_routes(app: web.Application, *, reviews: ReviewService, identity: Identity) -> None:
    """Register the review endpoints (see docs/api.md, Reviews)."""
    app.router.add_post("/api/reviews", partial(write_review, reviews=reviews, identity=identity))
    app.router.add_post(
        "/api/reviews/photos", partial(upload_photo, reviews=reviews, identity=identity)
    )
    app.router.add_patch(
        "/api/reviews/{review_id}", partial(edit_review, reviews=reviews, identity=identity)
    )
    app.router.add_put(
        "/api/reviews/{review_id}/reply", partial(reply, reviews=reviews, identity=identity)
    )
    app.router.add_post(
        "/api/reviews/{review_id}/report", partial(report, reviews=reviews, identity=identity)
    )
    app.router.add_post(
        "/api/reviews/{review_id}/helpful", partial(helpful, reviews=reviews, identity=identity)
    )
    app.router.add_post(
        "/api/reviews/{review_id}/decision", partial(decide, reviews=reviews, identity=identity)
    )
    app.router.add_get(
        "/api/products/{product_id}/reviews",
        partial(product_reviews, reviews=reviews, identity=identity),
    )
    app.router.add_get(
        "/api/products/{product_id}/reviewable",
        partial(reviewable, reviews=reviews, identity=identity),
    )
    app.router.add_get("/api/ratings", partial(ratings, reviews=reviews, identity=identity))
    app.router.add_get(
        "/api/creators/{creator_id}/rating",
        partial(shop_rating, reviews=reviews, identity=identity),
    )
    app.router.add_get(
        "/api/orders/{order_id}/reviews", partial(order_reviews, reviews=reviews, identity=identity)
    )
    app.router.add_get(
        "/api/console/reviews", partial(console_reviews, reviews=reviews, identity=identity)
    )


async def write_review(
    request: web.Request, *, reviews: ReviewService, identity: Identity
) -> web.Response:
    """The buyer's review of one of their paid order lines."""
    viewer = await identity.require_viewer(request)
    body = await read_object(request, NEW_FIELDS)
    order_id, line, draft = parse_new_review(body, reviews.settings)
    review = await reviews.write(viewer, order_id, line, draft)
    return web.json_response({"review": review_json(review, for_author=True)}, status=201)


async def upload_photo(
    request: web.Request, *, reviews: ReviewService, identity: Identity
) -> web.Response:
    """A photo for a review (`?order_id=&line=`), raw or the multipart field `file`."""
    viewer = await identity.require_viewer(request)
    order_id = parse_order_id(request.query.get("order_id"))
    line = parse_line_query(request.query.get("line"))
    # Refused before the upload is read when the viewer may not review this line.
    await reviews.check_allowed(viewer, order_id, line)
    data = await read_upload(request, reviews.max_photo_bytes)
    image = await reviews.upload_photo(viewer, order_id, line, data)
    return web.json_response({"image": image_json(image)}, status=201)


async def edit_review(
    request: web.Request, *, reviews: ReviewService, identity: Identity
) -> web.Response:
    """The author's change of stars, text or photos."""
    viewer = await identity.require_viewer(request)
    edit = parse_edit(await read_object(request, EDIT_FIELDS), reviews.settings)
    review = await reviews.edit(viewer, request.match_info["review_id"], edit)
    return web.json_response({"review": review_json(review, for_author=True)})


async def reply(
    request: web.Request, *, reviews: ReviewService, identity: Identity
) -> web.Response:
    """The shop's reply (once; sending again edits it)."""
    creator = await identity.require_creator(request)
    text = parse_reply(await read_object(request, {"text"}), reviews.settings)
    review = await reviews.reply(creator, request.match_info["review_id"], text)
    return web.json_response({"review": review_json(review, for_shop=True)})


async def report(
    request: web.Request, *, reviews: ReviewService, identity: Identity
) -> web.Response:
    """Report a review (each person counts once); it hides until the shop decides."""
    viewer = await identity.require_viewer(request)
    counted = await reviews.report(viewer, request.match_info["review_id"])
    return web.json_response({"reported": True, "counted": counted})


async def helpful(
    request: web.Request, *, reviews: ReviewService, identity: Identity
) -> web.Response:
    """Vote a review helpful (each viewer counts once)."""
    viewer = await identity.require_viewer(request)
    review = await reviews.vote_helpful(viewer, request.match_info["review_id"])
    return web.json_response({"review": review_json(review)})


async def decide(
    request: web.Request, *, reviews: ReviewService, identity: Identity
) -> web.Response:
    """Restore or remove a review: the shop's creator, or a moderator of the shop."""
    decider = Decider(
        await identity.current_creator(request), await identity.current_viewer(request)
    )
    state = parse_decision(await read_object(request, {"action"}))
    review = await reviews.decide(decider, request.match_info["review_id"], state)
    return web.json_response({"review": review_json(review, for_shop=True)})


async def product_reviews(
    request: web.Request, *, reviews: ReviewService, identity: Identity
) -> web.Response:
    """A product's shown reviews, paged (`sort`, `cursor`, `limit`), and its rating."""
    sort, after, limit = parse_list_query(request.query, reviews.settings.page_size)
    page, rating = await reviews.of_product(request.match_info["product_id"], sort, after, limit)
    return web.json_response(
        {"rating": rating_json(rating), **review_page_json(page)}, headers=NO_STORE
    )


async def reviewable(
    request: web.Request, *, reviews: ReviewService, identity: Identity
) -> web.Response:
    """The caller's order lines of this product they may review (403 review_not_allowed
    saying why when there are none: not bought, not paid, refunded)."""
    viewer = await identity.current_viewer(request)
    lines = await reviews.reviewable(viewer, request.match_info["product_id"])
    body = [
        {"order_id": line.order_id, "line": line.position, "review_id": line.review_id}
        for line in lines
    ]
    return web.json_response({"lines": body}, headers=NO_STORE)


async def ratings(
    request: web.Request, *, reviews: ReviewService, identity: Identity
) -> web.Response:
    """The ratings of up to 100 products (`?product_ids=a,b`), each {average, count}."""
    ids = parse_product_ids(request.query)
    found = await reviews.ratings(ids)
    body = {i: rating_json(found[i]) for i in ids if i in found}
    return web.json_response({"ratings": body}, headers=NO_STORE)


async def shop_rating(
    request: web.Request, *, reviews: ReviewService, identity: Identity
) -> web.Response:
    """A shop's rating over all its shown reviews."""
    rating = await reviews.shop_rating(request.match_info["creator_id"])
    return web.json_response({"rating": rating_json(rating)}, headers=NO_STORE)


async def order_reviews(
    request: web.Request, *, reviews: ReviewService, identity: Identity
) -> web.Response:
    """The buyer's own reviews of one of their orders (for "Write a review" per line)."""
    viewer = await identity.require_viewer(request)
    found = await reviews.of_order(viewer, request.match_info["order_id"])
    body = [review_json(r, for_author=True) for r in found]
    return web.json_response({"reviews": body}, headers=NO_STORE)


async def console_reviews(
    request: web.Request, *, reviews: ReviewService, identity: Identity
) -> web.Response:
    """The signed-in creator's reviews, newest first (`state`, `cursor`)."""
    creator = await identity.require_creator(request)
    page = await reviews.of_shop(
        creator, parse_state_filter(request.query), parse_cursor(request.query)
    )
    return web.json_response(review_page_json(page, for_shop=True), headers=NO_STORE)
