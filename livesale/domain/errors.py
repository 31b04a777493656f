"""Error types with stable codes; the web layer maps them to one JSON shape."""

from __future__ import annotations

import math
from typing import Any, ClassVar, Literal, get_args


class LivesaleError(Exception):
    """Base of every error a client may see: a stable `code` and an HTTP status."""

    code: ClassVar[str] = "internal_error"
    status: ClassVar[int] = 500
    headers: ClassVar[dict[str, str]] = {}

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class BadRequest(LivesaleError):
    """The request is malformed."""

    code = "bad_request"
    status = 400


class InvalidSdp(BadRequest):
    """The SDP offer cannot be parsed or negotiated."""

    code = "invalid_sdp"


class UnsupportedCodec(BadRequest):
    """The offer has no codec the relay can forward."""

    code = "unsupported_codec"


class UnsupportedMediaType(LivesaleError):
    """The request body has the wrong content type."""

    code = "unsupported_media_type"
    status = 415


class PayloadTooLarge(LivesaleError):
    """The request body exceeds a configured limit."""

    code = "payload_too_large"
    status = 413


class RequestTimeout(LivesaleError):
    """The request body stopped arriving (`server.body_timeout_seconds`)."""

    code = "request_timeout"
    status = 408


class Unauthorized(LivesaleError):
    """Missing or wrong credentials."""

    code = "unauthorized"
    status = 401
    # RFC 6750: tell the client which scheme to use.
    headers: ClassVar[dict[str, str]] = {"WWW-Authenticate": 'Bearer realm="livesale"'}


class Forbidden(LivesaleError):
    """Authenticated but not allowed."""

    code = "forbidden"
    status = 403


class NotFound(LivesaleError):
    """The resource does not exist."""

    code = "not_found"
    status = 404


class ShowNotFound(NotFound):
    """No show has this id."""

    code = "show_not_found"


class SessionNotFound(NotFound):
    """No media session has this id (it ended or never existed)."""

    code = "session_not_found"


class MethodNotAllowed(LivesaleError):
    """The method is not supported on this resource."""

    code = "method_not_allowed"
    status = 405


class Conflict(LivesaleError):
    """The request conflicts with the current state."""

    code = "conflict"
    status = 409


class ShowNotLive(Conflict):
    """Viewers can only join a show that has a live publisher."""

    code = "show_not_live"


class PublisherExists(Conflict):
    """The show already has a healthy publisher."""

    code = "publisher_exists"


class ShowEnded(Conflict):
    """The show has ended and cannot go live again."""

    code = "show_ended"


class ShowNotEnded(Conflict):
    """The replay is for after the show: deleting it or buying from it needs an ended show."""

    code = "show_not_ended"


class ReplayNotFound(NotFound):
    """No replay to play: the show has not ended, was not recorded, or its replay was deleted."""

    code = "replay_not_found"


class TooManyRequests(LivesaleError):
    """A rate or capacity limit was hit; `details.retry_after_seconds` also sets Retry-After."""

    code = "rate_limited"
    status = 429

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message, **details)
        retry_after = details.get("retry_after_seconds")
        if retry_after is not None:
            # The wait differs per error, so this instance shadows the class-wide headers.
            vars(self)["headers"] = {"Retry-After": str(math.ceil(retry_after))}


class CapacityReached(LivesaleError):
    """A configured viewer cap was reached."""

    code = "capacity_reached"
    status = 503


class TooManyConnections(LivesaleError):
    """The client's address holds `details.limit` room connections already."""

    code = "too_many_connections"
    status = 429


class ServiceUnavailable(LivesaleError):
    """A dependency (Redis, SQLite) is not answering."""

    code = "service_unavailable"
    status = 503


class TryAgainSoon(ServiceUnavailable):
    """A passing condition (a busy order lock, replicas not yet confirming a stock change,
    stock counters being rebuilt on a new Redis server): the same request again after
    Retry-After will do; nothing was changed twice."""

    headers: ClassVar[dict[str, str]] = {"Retry-After": "1"}


class IceRestartUnsupported(LivesaleError):
    """RFC 9725: a PATCH asking for an ICE restart this server cannot do."""

    code = "ice_restart_unsupported"
    status = 422


class InvalidJson(BadRequest):
    """The body is not valid JSON."""

    code = "invalid_json"


# Why a field was refused: `details.reason` of `validation_failed`, with the
# numbers the words need beside it (see ValidationFailed). Clients word the
# message from these, so a reason is never renamed, only added.
FieldReason = Literal[
    "required",  # missing or empty
    "wrong_type",  # not a string / whole number / list / object / true-false as it must be
    "bad_format",  # a string of the wrong shape (email, SKU, postal code, id, currency code)
    "bad_characters",  # holds control characters
    "too_short",  # fewer than `min` characters
    "too_long",  # more than `max` characters
    "too_small",  # below `min` (or `min_minor` with `currency` for money)
    "too_large",  # above `max` (or `max_minor` with `currency` for money)
    "too_many",  # a list of more than `max` items
    "too_early",  # a time before `min_at` (epoch seconds)
    "too_late",  # a time after `max_at` (epoch seconds)
    "duplicate",  # the same value twice (`same_as` names the first, when it is a field)
    "unknown_field",  # a field this request does not take (`allowed` lists those it does)
    "not_found",  # an id of nothing the caller has
    "not_allowed",  # a field that cannot be set now (e.g. rescheduling a live show)
    "not_below_regular_price",  # a sale price of `limit_minor` `currency` or more
    "over_stock",  # more than the `max` units in stock
    "currency_mismatch",  # not the `currency` the other variants use
    "invisible_characters",  # holds zero-width, direction-control or other invisible characters
    "reserved_name",  # looks like a name kept for the staff or the software ("admin", "主播")
]
FIELD_REASONS: frozenset[str] = frozenset(get_args(FieldReason))


class ValidationFailed(BadRequest):
    """A field is missing or invalid: `details.field` names it, `details.reason` says why."""

    code = "validation_failed"

    def __init__(self, message: str, *, field: str, reason: FieldReason, **details: Any) -> None:
        super().__init__(message, field=field, reason=reason, **details)


class NotSignedIn(LivesaleError):
    """The request needs a signed-in creator (session cookie)."""

    code = "not_signed_in"
    status = 401


class InvalidCredentials(LivesaleError):
    """Wrong email or password (which one is never said)."""

    code = "invalid_credentials"
    status = 401


class EmailTaken(Conflict):
    """An account with this email exists."""

    code = "email_taken"


class ChallengeRequired(TooManyRequests):
    """Many attempts from this address: solve `details.challenge` and send it again.

    Logins say `details.retry_after_seconds` too: waiting that long also works.
    """

    code = "challenge_required"


class ChallengeInvalid(Forbidden):
    """The challenge solution is wrong, expired, already used or for another purpose."""

    code = "challenge_invalid"


class CrossSiteRefused(Forbidden):
    """A state-changing request came from another site."""

    code = "cross_site_refused"


class NotOwner(Forbidden):
    """Only the creator who owns this resource may change it."""

    code = "not_owner"


class ViewerNotFound(NotFound):
    """No guest viewer has this id."""

    code = "viewer_not_found"


class CreatorNotFound(NotFound):
    """No creator has this id."""

    code = "creator_not_found"


class ViewerRequired(LivesaleError):
    """The action needs a guest identity: choose a display name first."""

    code = "viewer_required"
    status = 401


class AccountExists(Conflict):
    """This guest already has an account (sign in elsewhere with it instead)."""

    code = "account_exists"


class PasskeyRejected(LivesaleError):
    """A passkey answer could not be accepted: `details.reason` says why.

    `expired` (the ceremony's time ran out or it was used), `unknown_credential`
    (no passkey here has this id), `verification_failed` (signature, origin,
    relying party or challenge wrong) or `malformed`.
    """

    code = "passkey_rejected"
    status = 401


class OpenOrders(Conflict):
    """The account cannot be deleted while orders are still owed a payment or goods."""

    code = "open_orders"


class PasskeyNotFound(NotFound):
    """No passkey of the caller has this id."""

    code = "passkey_not_found"


class ProductNotFound(NotFound):
    """No product has this id."""

    code = "product_not_found"


class ImageNotFound(NotFound):
    """No image has this id."""

    code = "image_not_found"


class InvalidImage(BadRequest):
    """The upload is not an image of an accepted type."""

    code = "invalid_image"


class ProductNotInBag(Conflict):
    """Only products in the show's bag can be pinned."""

    code = "product_not_in_bag"


class ProductArchived(Conflict):
    """An archived product cannot be added to a show or pinned."""

    code = "product_archived"


class NothingPinned(Conflict):
    """Unpin was asked while no product is pinned."""

    code = "nothing_pinned"


class SkuTaken(Conflict):
    """Another live variant of this creator already has this SKU; `details.field` names it."""

    code = "sku_taken"


class UnsupportedImageType(InvalidImage):
    """The upload is an image, but not JPEG, PNG or WebP."""

    code = "unsupported_image_type"
    status = 415


class ImageTooLarge(InvalidImage):
    """The image has more pixels than allowed (`details.max_pixels`): a decompression bomb guard."""

    code = "image_too_large"


class ChatMessageNotFound(NotFound):
    """No chat message of this show has this id."""

    code = "chat_message_not_found"


class NotModerator(Forbidden):
    """Only the show's creator or a moderator they named may do this."""

    code = "not_moderator"


class ChatRejected(LivesaleError):
    """A chat message was refused; sent as a room `error` event, or a 4xx over HTTP."""

    code = "chat_rejected"
    status = 400


class ChatEmpty(ChatRejected):
    """The message is empty after stripping spaces."""

    code = "chat_empty"


class ChatTooLong(ChatRejected):
    """The message is longer than `details.max_length` characters."""

    code = "chat_too_long"


class ChatRateLimited(ChatRejected):
    """Too many messages: wait `details.retry_after_ms`."""

    code = "chat_rate_limited"
    status = 429


class ChatSlowMode(ChatRejected):
    """Slow mode is on: wait `details.retry_after_ms`."""

    code = "chat_slow_mode"
    status = 429


class ChatBlockedWord(ChatRejected):
    """The message contains a word the creator or the operator blocked."""

    code = "chat_blocked_word"


class ChatNameReserved(ChatRejected):
    """The viewer's display name looks like the show's creator's: they must choose another."""

    code = "chat_name_reserved"
    status = 403


class ChatMuted(ChatRejected):
    """The viewer is muted in this show until `details.muted_until` (epoch ms)."""

    code = "chat_muted"
    status = 403


class ChatBanned(ChatRejected):
    """The viewer is banned from the creator's shows."""

    code = "chat_banned"
    status = 403


class OutOfStock(Conflict):
    """The variant has fewer units available than asked (`details.available`)."""

    code = "out_of_stock"


class PerBuyerLimitReached(Conflict):
    """The buyer would exceed the flash sale's per-buyer limit (`details.limit`)."""

    code = "per_buyer_limit"


class HoldLimitReached(Conflict):
    """The buyer, or everyone at the buyer's address, already holds the most units allowed
    at once (`details.scope`: buyer or address, `details.limit`, `details.held`)."""

    code = "hold_limit_reached"


class FlashSaleSoldOut(Conflict):
    """The flash sale's quantity cap is reached (`details.remaining`)."""

    code = "sold_out"


class HoldNotFound(NotFound):
    """No stock hold has this id (never placed, or forgotten after its retention)."""

    code = "hold_not_found"


class HoldExpired(Conflict):
    """The stock hold expired or was released (`details.state`); its stock went back."""

    code = "hold_expired"


class HoldMismatch(Conflict):
    """A hold id was reused with a different variant, quantity, buyer or sale."""

    code = "hold_mismatch"


class StockBelowReserved(Conflict):
    """Stock cannot be set below the units held plus sold (`details.minimum`)."""

    code = "stock_below_reserved"


class OrderStateConflict(Conflict):
    """The order's status does not allow this change (`details.status`, `details.wanted`)."""

    code = "order_state"


class CartFull(Conflict):
    """The cart already holds `shop.max_cart_lines` different items."""

    code = "cart_full"


class CartEmpty(Conflict):
    """Checking out a cart with nothing in it."""

    code = "cart_empty"


class CurrencyMismatch(Conflict):
    """One cart or order cannot mix currencies (`details.currency` is the cart's)."""

    code = "currency_mismatch"


class NotForSale(Conflict):
    """The variant is archived, or its product is not in this show's bag."""

    code = "not_for_sale"


class CheckoutNotFound(NotFound):
    """No checkout has this id for this viewer (or it was forgotten long after it expired)."""

    code = "checkout_not_found"


class CheckoutExpired(Conflict):
    """The checkout's stock hold ran out before an order was placed; buy again."""

    code = "checkout_expired"


class OrderNotFound(NotFound):
    """No order has this id that the caller may see."""

    code = "order_not_found"


class ParcelNotFound(NotFound):
    """No parcel of this show has this id (a buyer's orders to one address)."""

    code = "parcel_not_found"


class PaymentNotFound(NotFound):
    """No payment has this id with the active gateway."""

    code = "payment_not_found"


class CardDeclined(LivesaleError):
    """The payment was declined (`details.decline_code`); the order stays payable."""

    code = "card_declined"
    status = 402


class InvalidSignature(BadRequest):
    """A webhook's signature is missing, wrong or too old; nothing was applied."""

    code = "invalid_signature"


class PaymentGatewayFailed(LivesaleError):
    """The payment provider could not be reached or refused the call; retry later."""

    code = "payment_gateway_error"
    status = 502


# Giveaways.


class GiveawayNotFound(NotFound):
    """No giveaway has this id in this show."""

    code = "giveaway_not_found"


class GiveawayRunning(Conflict):
    """The show already has a giveaway that is not drawn yet (`details.giveaway_id`)."""

    code = "giveaway_running"


class GiveawayClosed(Conflict):
    """The giveaway takes no more entries: its time is up or it was drawn."""

    code = "giveaway_closed"


class GiveawayNotEnded(Conflict):
    """The draw comes after the entries close, at `details.ends_at` (epoch seconds)."""

    code = "giveaway_not_ended"


class GiveawayEntryRefused(LivesaleError):
    """This guest may not enter (`details.reason`: creator, moderator, banned or muted)."""

    code = "giveaway_entry_refused"
    status = 403


class GiveawayAddressLimit(Conflict):
    """Too many entries of this giveaway come from the client's address (`details.limit`)."""

    code = "giveaway_address_limit"


class GiveawayNotWinner(LivesaleError):
    """Only the giveaway's winner may claim its prize."""

    code = "giveaway_not_winner"
    status = 403


class GiveawayClaimExpired(Conflict):
    """The winner did not claim before `details.claim_by` (epoch seconds): the unit went back."""

    code = "giveaway_claim_expired"


# foryou: follows and the "For you" feed.
class CannotFollowSelf(Forbidden):
    """A creator tried to follow their own page."""

    code = "cannot_follow_self"


# Notify: reminders of upcoming shows.
class ShowNotUpcoming(Conflict):
    """A reminder is for a show that has not started yet."""

    code = "show_not_upcoming"


# Reviews from verified buyers.


class ReviewNotAllowed(Forbidden):
    """Only a buyer of a paid, not refunded order line may review it (`details.reason`:
    not_bought, not_paid or refunded)."""

    code = "review_not_allowed"


class ReviewExists(Conflict):
    """The order line has its review already (`details.review_id`); edit that one."""

    code = "review_exists"


class ReviewNotFound(NotFound):
    """No review has this id that the caller may see."""

    code = "review_not_found"


# Auctions.


class AuctionNotFound(NotFound):
    """No auction of this show has this id."""

    code = "auction_not_found"


class AuctionClosed(Conflict):
    """The auction is closed or canceled, or its end has passed: no bid counts any more."""

    code = "auction_closed"


class BidTooLow(Conflict):
    """The bid is below the smallest acceptable amount (`details.min_bid_minor`)."""

    code = "bid_too_low"


class BidderNotAllowed(Forbidden):
    """The show's creator and their moderators may not bid in its auctions."""

    code = "bidder_not_allowed"


class AuctionRunning(Conflict):
    """The show already has an auction taking bids; one at a time."""

    code = "auction_running"


class AuctionHasBids(Conflict):
    """An auction with bids cannot be canceled."""

    code = "auction_has_bids"


# --- pricing: shipping and coupons ---


class ShippingNotAvailable(Conflict):
    """The shop does not ship to the address's country."""

    code = "shipping_country_not_served"


class CouponNotFound(NotFound):
    """No coupon of this shop has this code (or it is switched off)."""

    code = "coupon_not_found"


class CouponExpired(Conflict):
    """The coupon's validity window has not started or is over."""

    code = "coupon_expired"


class CouponUsedUp(Conflict):
    """Every use the coupon allows is taken."""

    code = "coupon_used_up"


class CouponAlreadyUsed(Conflict):
    """This buyer has used (or is using) the coupon already."""

    code = "coupon_already_used"


class CouponMinimumNotMet(Conflict):
    """The order's goods come to less than the coupon's minimum spend."""

    code = "coupon_minimum_not_met"


class CouponNotFirstOrder(Conflict):
    """The coupon is for a first order and this buyer has a paid order at this shop."""

    code = "coupon_not_first_order"


class CouponWrongShow(Conflict):
    """The coupon is for another show of this shop."""

    code = "coupon_wrong_show"


class CouponCodeTaken(Conflict):
    """The shop already has a coupon with this code."""

    code = "coupon_code_taken"


# dms: direct messages between a viewer and a shop.
class ConversationNotFound(NotFound):
    """No conversation has this id that the caller is part of."""

    code = "conversation_not_found"


class DmOwnShop(Forbidden):
    """A creator cannot write to their own shop as a viewer."""

    code = "dm_own_shop"


class DmBlocked(Forbidden):
    """One side of the conversation blocked the other: no message goes through."""

    code = "dm_blocked"


# dm-accounts: writing to shops needs a viewer account.
class AccountRequired(Forbidden):
    """The action needs a viewer account, not only a guest name (details say how to make one)."""

    code = "account_required"
