"""Error types with stable codes; the web layer maps them to one JSON shape."""

from __future__ import annotations

from typing import Any, ClassVar


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


class TooManyRequests(LivesaleError):
    """A rate or capacity limit was hit."""

    code = "rate_limited"
    status = 429


class CapacityReached(LivesaleError):
    """A configured viewer cap was reached."""

    code = "capacity_reached"
    status = 503


class ServiceUnavailable(LivesaleError):
    """A dependency (Redis, SQLite) is not answering."""

    code = "service_unavailable"
    status = 503


class IceRestartUnsupported(LivesaleError):
    """RFC 9725: a PATCH asking for an ICE restart this server cannot do."""

    code = "ice_restart_unsupported"
    status = 422


class ValidationFailed(BadRequest):
    """A field of the request is missing or invalid; `details.field` names it."""

    code = "validation_failed"


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


class LoginThrottled(TooManyRequests):
    """Too many failed logins: wait `details.retry_after_seconds`."""

    code = "login_throttled"


class CrossSiteRefused(Forbidden):
    """A state-changing request came from another site."""

    code = "cross_site_refused"


class NotOwner(Forbidden):
    """Only the creator who owns this resource may change it."""

    code = "not_owner"


class ViewerRequired(LivesaleError):
    """The action needs a guest identity: choose a display name first."""

    code = "viewer_required"
    status = 401


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
