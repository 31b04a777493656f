"""Reviews as buyers, shops and moderators use them: who may do what to which review."""

from __future__ import annotations

from dataclasses import dataclass

from livesale.config import ReviewSettings
from livesale.domain.accounts import Creator, Viewer
from livesale.domain.errors import NotOwner, ReviewNotFound, ValidationFailed
from livesale.domain.products import ImageInfo
from livesale.domain.reviews import (
    MAX_PHOTOS,
    BoughtLine,
    ListCursor,
    Rating,
    Review,
    ReviewDraft,
    ReviewEdit,
    ReviewPage,
    ReviewSort,
    ReviewState,
    require_allowed,
    reviewable_lines,
)
from livesale.metrics import REVIEW_REPORTS, REVIEWS_WRITTEN
from livesale.storage.chat import ModerationRepository
from livesale.storage.images import ImageStore
from livesale.storage.orders import OrderRepository
from livesale.storage.rate_limits import RateLimiter
from livesale.storage.reviews import NewReview, ReviewRepository

# Photos one buyer may upload for one order line, whichever they end up showing.
PHOTO_UPLOADS_PER_LINE = 3 * MAX_PHOTOS


@dataclass(frozen=True, slots=True)
class Decider:
    """Who decides on a reported review: the shop's creator, or one of its moderators."""

    creator: Creator | None
    viewer: Viewer | None


class ReviewService:
    """Writes, edits, replies, reports, votes, decisions and lists of reviews."""

    def __init__(
        self,
        settings: ReviewSettings,
        reviews: ReviewRepository,
        orders: OrderRepository,
        images: ImageStore,
        moderators: ModerationRepository,
        limiter: RateLimiter,
    ) -> None:
        self._settings = settings
        self._reviews = reviews
        self._orders = orders
        self._images = images
        self._moderators = moderators
        self._limiter = limiter

    @property
    def settings(self) -> ReviewSettings:
        """The review limits (text lengths, page size)."""
        return self._settings

    @property
    def max_photo_bytes(self) -> int:
        """The largest photo accepted, in bytes (as for product images)."""
        return self._images.max_bytes

    async def check_allowed(self, viewer: Viewer, order_id: str, position: int) -> None:
        """ReviewNotAllowed (saying why) unless this viewer may review this order line."""
        require_allowed(await self._orders.get(order_id), position, viewer.id)

    async def write(
        self, viewer: Viewer, order_id: str, position: int, draft: ReviewDraft
    ) -> Review:
        """The buyer's review of one paid, not refunded order line (one per line)."""
        order = require_allowed(await self._orders.get(order_id), position, viewer.id)
        await self._check_photos(viewer, order_id, position, draft.photo_ids)
        review = await self._reviews.create(
            NewReview(
                order_id=order.id,
                position=position,
                product_id=order.lines[position].product_id,
                creator_id=order.creator_id,
                viewer_id=viewer.id,
                author_name=viewer.display_name,
                draft=draft,
            )
        )
        REVIEWS_WRITTEN.inc()
        return review

    async def edit(self, viewer: Viewer, review_id: str, edit: ReviewEdit) -> Review:
        """The author's change to their review (while its line is still bought)."""
        review = await self._visible(review_id, viewer=viewer)
        if review.viewer_id != viewer.id:
            raise NotOwner("only its author may edit a review", review_id=review_id)
        require_allowed(await self._orders.get(review.order_id), review.position, viewer.id)
        if edit.photo_ids is not None:
            await self._check_photos(viewer, review.order_id, review.position, edit.photo_ids)
        return await self._reviews.edit(review_id, edit)

    async def reviewable(self, viewer: Viewer | None, product_id: str) -> list[BoughtLine]:
        """The viewer's order lines of this product they may review, or ReviewNotAllowed."""
        lines = [] if viewer is None else await self._reviews.lines_of_buyer(viewer.id, product_id)
        return reviewable_lines(lines)

    async def upload_photo(
        self, viewer: Viewer, order_id: str, position: int, data: bytes
    ) -> ImageInfo:
        """A photo for the review of one order line, checked like product images."""
        order = require_allowed(await self._orders.get(order_id), position, viewer.id)
        # Room to change one's mind, but no endless stream of files for one line.
        uploaded = await self._reviews.photos_of_line(viewer.id, order_id, position)
        if len(uploaded) >= PHOTO_UPLOADS_PER_LINE:
            raise ValidationFailed(
                f"at most {PHOTO_UPLOADS_PER_LINE} photos may be uploaded for one item",
                field="file",
                reason="too_many",
                max=PHOTO_UPLOADS_PER_LINE,
            )
        # Stored in the shop's image folder: it shows beside the shop's product.
        image = await self._images.save(order.creator_id, data)
        await self._reviews.add_photo(image.id, viewer.id, order_id, position)
        return image

    async def reply(self, creator: Creator, review_id: str, text: str) -> Review:
        """The shop's one reply to a review of its product (a second call edits it)."""
        review = await self._visible(review_id, creator=creator)
        if review.creator_id != creator.id:
            raise NotOwner("only the shop that sold it may reply", review_id=review_id)
        return await self._reviews.reply(review_id, text)

    async def report(self, viewer: Viewer, review_id: str) -> bool:
        """One person's report (counted once); whether it counted now."""
        review = await self._found(review_id)
        person = f"viewer:{viewer.id}"
        if not review.shown and review.viewer_id != viewer.id:
            # Hidden by this person's own report: "counted once", not "no such review".
            if await self._reviews.has_reported(review_id, person):
                return False
            raise ReviewNotFound("no review has this id", review_id=review_id[:64])
        await self._limiter.check(
            f"review_reports:{viewer.id}",
            self._settings.reports_per_window,
            self._settings.report_window_seconds,
            "reports",
        )
        counted = await self._reviews.report(review_id, person)
        if counted:
            REVIEW_REPORTS.inc()
        return counted

    async def vote_helpful(self, viewer: Viewer, review_id: str) -> Review:
        """One viewer's "helpful" (counted once); the review after it."""
        review = await self._visible(review_id, viewer=viewer)
        if review.viewer_id == viewer.id:
            raise ValidationFailed(
                "you cannot vote for your own review", field="review_id", reason="not_allowed"
            )
        await self._reviews.vote_helpful(review_id, viewer.id)
        return await self._found(review_id)

    async def decide(self, decider: Decider, review_id: str, state: ReviewState) -> Review:
        """Restore (published) or remove a review: its shop's creator or a moderator."""
        review = await self._found(review_id)
        allowed = decider.creator is not None and decider.creator.id == review.creator_id
        if not allowed and decider.viewer is not None:
            allowed = await self._moderators.is_moderator(review.creator_id, decider.viewer.id)
        if not allowed:
            raise NotOwner(
                "only the shop that sold it or its moderators may decide", review_id=review_id
            )
        return await self._reviews.decide(review_id, state)

    async def of_product(
        self, product_id: str, sort: ReviewSort, after: ListCursor | None, limit: int
    ) -> tuple[ReviewPage, Rating]:
        """One page of a product's shown reviews, and its rating."""
        page = await self._reviews.shown_of_product(product_id, sort, after, limit)
        return page, await self._reviews.rating(product_id)

    async def of_order(self, viewer: Viewer, order_id: str) -> list[Review]:
        """The buyer's own reviews of one of their orders (whatever their state)."""
        return [r for r in await self._reviews.of_order(order_id) if r.viewer_id == viewer.id]

    async def of_shop(
        self, creator: Creator, state: ReviewState | None, after: ListCursor | None
    ) -> ReviewPage:
        """The shop's reviews for its console, newest first."""
        return await self._reviews.of_creator(creator.id, state, after, self._settings.page_size)

    async def ratings(self, product_ids: list[str]) -> dict[str, Rating]:
        """The ratings of several products (those without shown reviews left out)."""
        return await self._reviews.ratings(product_ids)

    async def shop_rating(self, creator_id: str) -> Rating:
        """A shop's rating over all its shown reviews."""
        return await self._reviews.shop_rating(creator_id)

    async def _found(self, review_id: str) -> Review:
        review = await self._reviews.get(review_id)
        if review is None:
            raise ReviewNotFound("no review has this id", review_id=review_id[:64])
        return review

    async def _visible(
        self, review_id: str, *, viewer: Viewer | None = None, creator: Creator | None = None
    ) -> Review:
        """The review if this caller may see it: shown, or their own, or their shop's."""
        review = await self._found(review_id)
        own = viewer is not None and viewer.id == review.viewer_id
        shop = creator is not None and creator.id == review.creator_id
        if not (review.shown or own or shop):
            raise ReviewNotFound("no review has this id", review_id=review_id[:64])
        return review

    async def _check_photos(
        self, viewer: Viewer, order_id: str, position: int, photo_ids: tuple[str, ...]
    ) -> None:
        if not photo_ids:
            return
        mine = await self._reviews.photos_of_line(viewer.id, order_id, position)
        if not set(photo_ids) <= mine:
            raise ValidationFailed(
                "photos must be uploaded for this item first",
                field="photo_ids",
                reason="not_found",
            )
