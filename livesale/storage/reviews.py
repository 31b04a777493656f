"""Reviews in the record: written, edited, replied to, reported, voted on, listed and rated.

A review is shown while it is published and its order line is still bought: a
refund of the line (or the order) hides it, from the lists and the ratings alike,
with no second copy to keep in step. Ratings are one indexed aggregate per product.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from livesale.domain.errors import ReviewExists
from livesale.domain.orders import OrderStatus
from livesale.domain.reviews import (
    NO_RATING,
    BoughtLine,
    ListCursor,
    Rating,
    Reply,
    Review,
    ReviewDraft,
    ReviewEdit,
    ReviewPage,
    ReviewSort,
    ReviewState,
)
from livesale.storage.database import Database
from livesale.storage.sql import Executor, Row

_COLUMNS = (
    "r.id, r.order_id, r.position, r.product_id, r.creator_id, r.viewer_id, r.author_name,"
    " r.stars, r.text, r.photos_json, r.state, r.helpful_count, r.reply_text, r.reply_at,"
    " r.reply_edited_at, r.created_at, r.edited_at, l.title AS product_title,"
    " (l.refunded_at IS NOT NULL OR o.status = 'refunded') AS refunded"
)
_FROM = (
    "reviews r JOIN orders o ON o.id = r.order_id"
    " JOIN order_lines l ON l.order_id = r.order_id AND l.position = r.position"
)
# What everyone may see: published, and the line still bought (paid or sent, not refunded).
SHOWN = "r.state = 'published' AND l.refunded_at IS NULL AND o.status IN ('paid', 'fulfilled')"


@dataclass(frozen=True, slots=True)
class NewReview:
    """What writing a review stores."""

    order_id: str
    position: int
    product_id: str
    creator_id: str
    viewer_id: str
    author_name: str
    draft: ReviewDraft


def new_review_id() -> str:
    """A random, unguessable review id."""
    return "rev_" + secrets.token_hex(10)


class ReviewRepository:
    """The only code that touches `reviews`, `review_photos`, `review_reports`, `review_votes`."""

    def __init__(self, db: Database, clock: Callable[[], float] = time.time) -> None:
        self._db = db
        self._clock = clock

    async def create(self, new: NewReview) -> Review:
        """Store a review, or ReviewExists when its order line has one."""
        review_id = new_review_id()
        draft = new.draft
        async with self._db.transaction() as conn:
            added = await conn.execute(
                "INSERT INTO reviews (id, order_id, position, product_id, creator_id, viewer_id,"
                " author_name, stars, text, photos_json, photo_count, state, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (order_id, position) DO NOTHING",
                (
                    review_id,
                    new.order_id,
                    new.position,
                    new.product_id,
                    new.creator_id,
                    new.viewer_id,
                    new.author_name,
                    draft.stars,
                    draft.text,
                    json.dumps(list(draft.photo_ids)),
                    len(draft.photo_ids),
                    ReviewState.PUBLISHED.value,
                    self._clock(),
                ),
            )
            if added != 1:
                row = await conn.fetchone(
                    "SELECT id FROM reviews WHERE order_id = ? AND position = ?",
                    (new.order_id, new.position),
                )
                assert row is not None
                raise ReviewExists("this item has your review already", review_id=str(row["id"]))
            review = await _load(conn, review_id)
        assert review is not None
        return review

    async def get(self, review_id: str) -> Review | None:
        """The review, or None."""
        return await _load(self._db.reader, review_id)

    async def edit(self, review_id: str, edit: ReviewEdit) -> Review:
        """Change the author's stars, text or photos; stamps `edited_at`."""
        async with self._db.transaction() as conn:
            if edit.stars is not None:
                await conn.execute(
                    "UPDATE reviews SET stars = ? WHERE id = ?", (edit.stars, review_id)
                )
            if edit.text is not None:
                await conn.execute(
                    "UPDATE reviews SET text = ? WHERE id = ?", (edit.text, review_id)
                )
            if edit.photo_ids is not None:
                await conn.execute(
                    "UPDATE reviews SET photos_json = ?, photo_count = ? WHERE id = ?",
                    (json.dumps(list(edit.photo_ids)), len(edit.photo_ids), review_id),
                )
            await conn.execute(
                "UPDATE reviews SET edited_at = ? WHERE id = ?", (self._clock(), review_id)
            )
            review = await _load(conn, review_id)
        assert review is not None
        return review

    async def reply(self, review_id: str, text: str) -> Review:
        """Set the creator's reply (a second call edits it and stamps `reply_edited_at`)."""
        now = self._clock()
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE reviews SET reply_edited_at = ? WHERE id = ? AND reply_at IS NOT NULL",
                (now, review_id),
            )
            await conn.execute(
                "UPDATE reviews SET reply_text = ?, reply_at = COALESCE(reply_at, ?) WHERE id = ?",
                (text, now, review_id),
            )
            review = await _load(conn, review_id)
        assert review is not None
        return review

    async def report(self, review_id: str, person: str) -> bool:
        """Count one person's report once; the first hides a review not yet decided on."""
        async with self._db.transaction() as conn:
            added = await conn.execute(
                "INSERT INTO review_reports (review_id, person, reported_at) VALUES (?, ?, ?)"
                " ON CONFLICT (review_id, person) DO NOTHING",
                (review_id, person, self._clock()),
            )
            if added != 1:
                return False
            # A review the shop restored stays up: reports after a decision only count.
            await conn.execute(
                "UPDATE reviews SET report_count = report_count + 1,"
                " state = CASE WHEN state = 'published' AND decided_at IS NULL"
                " THEN 'reported' ELSE state END WHERE id = ?",
                (review_id,),
            )
        return True

    async def has_reported(self, review_id: str, person: str) -> bool:
        """Whether this person reported this review already."""
        row = await self._db.fetchone(
            "SELECT 1 FROM review_reports WHERE review_id = ? AND person = ?", (review_id, person)
        )
        return row is not None

    async def vote_helpful(self, review_id: str, viewer_id: str) -> bool:
        """Count one viewer's "helpful" once; whether this call counted."""
        async with self._db.transaction() as conn:
            added = await conn.execute(
                "INSERT INTO review_votes (review_id, viewer_id, voted_at) VALUES (?, ?, ?)"
                " ON CONFLICT (review_id, viewer_id) DO NOTHING",
                (review_id, viewer_id, self._clock()),
            )
            if added == 1:
                await conn.execute(
                    "UPDATE reviews SET helpful_count = helpful_count + 1 WHERE id = ?",
                    (review_id,),
                )
        return added == 1

    async def decide(self, review_id: str, state: ReviewState) -> Review:
        """The shop's decision on a review: published again (restored) or removed."""
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE reviews SET state = ?, decided_at = ? WHERE id = ?",
                (state.value, self._clock(), review_id),
            )
            review = await _load(conn, review_id)
        assert review is not None
        return review

    async def add_photo(self, image_id: str, viewer_id: str, order_id: str, position: int) -> None:
        """Note a photo uploaded by `viewer_id` for one order line."""
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT INTO review_photos (image_id, viewer_id, order_id, position, uploaded_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (image_id, viewer_id, order_id, position, self._clock()),
            )

    async def photos_of_line(self, viewer_id: str, order_id: str, position: int) -> set[str]:
        """The ids of the photos this viewer uploaded for this order line."""
        rows = await self._db.fetchall(
            "SELECT image_id FROM review_photos WHERE viewer_id = ? AND order_id = ?"
            " AND position = ?",
            (viewer_id, order_id, position),
        )
        return {str(row["image_id"]) for row in rows}

    async def lines_of_buyer(self, viewer_id: str, product_id: str) -> list[BoughtLine]:
        """Every order line of this product the viewer ordered, newest first, with its review."""
        rows = await self._db.fetchall(
            "SELECT l.order_id, l.position, o.status, l.refunded_at, r.id AS review_id"
            " FROM orders o JOIN order_lines l ON l.order_id = o.id"
            " LEFT JOIN reviews r ON r.order_id = l.order_id AND r.position = l.position"
            " WHERE o.viewer_id = ? AND l.product_id = ? ORDER BY o.created_at DESC, l.position",
            (viewer_id, product_id),
        )
        return [
            BoughtLine(
                order_id=str(row["order_id"]),
                position=int(row["position"]),
                status=OrderStatus(row["status"]),
                refunded=row["refunded_at"] is not None,
                review_id=row["review_id"],
            )
            for row in rows
        ]

    async def of_order(self, order_id: str) -> list[Review]:
        """Every review of an order's lines (for its buyer's order page)."""
        rows = await self._db.fetchall(
            f"SELECT {_COLUMNS} FROM {_FROM} WHERE r.order_id = ? ORDER BY r.position",
            (order_id,),
        )
        return [_review(row) for row in rows]

    async def shown_of_product(
        self, product_id: str, sort: ReviewSort, after: ListCursor | None, limit: int
    ) -> ReviewPage:
        """One page of a product's shown reviews."""
        where = [SHOWN, "r.product_id = ?"]
        params: list[object] = [product_id]
        if sort is ReviewSort.PHOTOS:
            where.append("r.photo_count > 0")
        return await self._page(where, params, sort is ReviewSort.HELPFUL, after, limit)

    async def of_creator(
        self, creator_id: str, state: ReviewState | None, after: ListCursor | None, limit: int
    ) -> ReviewPage:
        """One page of a shop's reviews, newest first, in one state or all."""
        where = ["r.creator_id = ?"]
        params: list[object] = [creator_id]
        if state is not None:
            where.append("r.state = ?")
            params.append(state.value)
        return await self._page(where, params, False, after, limit)

    async def _page(
        self,
        where: list[str],
        params: list[object],
        by_helpful: bool,
        after: ListCursor | None,
        limit: int,
    ) -> ReviewPage:
        if after is not None:
            newer = "(r.created_at < ? OR (r.created_at = ? AND r.id < ?))"
            keys: list[object] = [after.created_at, after.created_at, after.review_id]
            if by_helpful:
                where.append(f"(r.helpful_count < ? OR (r.helpful_count = ? AND {newer}))")
                params += [after.helpful, after.helpful, *keys]
            else:
                where.append(newer)
                params += keys
        order = "r.created_at DESC, r.id DESC"
        if by_helpful:
            order = "r.helpful_count DESC, " + order
        rows = await self._db.fetchall(
            f"SELECT {_COLUMNS} FROM {_FROM} WHERE {' AND '.join(where)} ORDER BY {order} LIMIT ?",
            (*params, limit + 1),
        )
        reviews = [_review(row) for row in rows[:limit]]
        cursor = None
        if len(rows) > limit:
            last = reviews[-1]
            cursor = ListCursor(last.helpful_count, last.created_at, last.id)
        return ReviewPage(reviews, cursor)

    async def rating(self, product_id: str) -> Rating:
        """The count and star sum of a product's shown reviews."""
        return (await self.ratings([product_id])).get(product_id, NO_RATING)

    async def ratings(self, product_ids: Sequence[str]) -> dict[str, Rating]:
        """The ratings of several products in one query (those without reviews left out)."""
        if not product_ids:
            return {}
        marks = ", ".join("?" for _ in product_ids)
        rows = await self._db.fetchall(
            f"SELECT r.product_id, COUNT(*) AS n, SUM(r.stars) AS total FROM {_FROM}"
            f" WHERE {SHOWN} AND r.product_id IN ({marks}) GROUP BY r.product_id",
            tuple(product_ids),
        )
        return {str(row["product_id"]): Rating(int(row["n"]), int(row["total"])) for row in rows}

    async def shop_rating(self, creator_id: str) -> Rating:
        """The count and star sum of every shown review of a shop."""
        row = await self._db.fetchone(
            f"SELECT COUNT(*) AS n, COALESCE(SUM(r.stars), 0) AS total FROM {_FROM}"
            f" WHERE {SHOWN} AND r.creator_id = ?",
            (creator_id,),
        )
        return NO_RATING if row is None else Rating(int(row["n"]), int(row["total"]))


async def _load(conn: Executor, review_id: str) -> Review | None:
    row = await conn.fetchone(f"SELECT {_COLUMNS} FROM {_FROM} WHERE r.id = ?", (review_id,))
    return None if row is None else _review(row)


def _review(row: Row) -> Review:
    reply = None
    if row["reply_at"] is not None:
        reply = Reply(str(row["reply_text"]), float(row["reply_at"]), row["reply_edited_at"])
    return Review(
        id=str(row["id"]),
        order_id=str(row["order_id"]),
        position=int(row["position"]),
        product_id=str(row["product_id"]),
        product_title=str(row["product_title"]),
        creator_id=str(row["creator_id"]),
        viewer_id=str(row["viewer_id"]),
        author_name=str(row["author_name"]),
        stars=int(row["stars"]),
        text=str(row["text"]),
        photo_ids=tuple(json.loads(row["photos_json"])),
        state=ReviewState(row["state"]),
        helpful_count=int(row["helpful_count"]),
        reply=reply,
        created_at=float(row["created_at"]),
        edited_at=row["edited_at"],
        refunded=bool(row["refunded"]),
    )
