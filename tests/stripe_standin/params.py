"""Stripe's form-encoded parameters (nested `a[b][c]` keys) and its error shape."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, TypeAlias

ParamValue: TypeAlias = "str | Params"
Params: TypeAlias = "dict[str, ParamValue]"
JSON: TypeAlias = dict[str, Any]

_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")
_SEGMENT = re.compile(r"\[([^\[\]]*)\]")


class StripeError(Exception):
    """An API error, answered as Stripe does: `{"error": {"type", "message", ...}}`."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type_: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
        replayable: bool = True,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type_
        self.code = code
        self.param = param
        # Stripe saves an idempotent result only once the endpoint began executing:
        # auth and parameter validation failures are not replayed.
        self.replayable = replayable

    def body(self) -> JSON:
        """The JSON body Stripe sends for this error."""
        error: JSON = {"type": self.type, "message": self.message}
        if self.code is not None:
            error["code"] = self.code
        if self.param is not None:
            error["param"] = self.param
        return {"error": error}


def invalid_param(message: str, param: str, code: str = "parameter_invalid") -> StripeError:
    """A 400 for a parameter that failed validation (never stored for idempotent replay)."""
    return StripeError(400, message, code=code, param=param, replayable=False)


def no_such(
    kind: str, object_id: str, *, status: int = 404, param: str | None = None
) -> StripeError:
    """Stripe's `resource_missing` error."""
    return StripeError(
        status, f"No such {kind}: '{object_id}'", code="resource_missing", param=param
    )


def parse_form(pairs: Iterable[tuple[str, str]]) -> Params:
    """Nest `metadata[order_id]=1`-style pairs into dicts, as Stripe's API reads them."""
    params: Params = {}
    for key, value in pairs:
        match = _KEY.match(key)
        parts = [match[1], *_SEGMENT.findall(match[2])] if match else []
        if not parts or "" in parts:
            # Array parameters (`expand[]`) are not part of any endpoint served here.
            raise invalid_param(f"Invalid parameter name: {key}", key)
        node = params
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            if isinstance(child, str):
                raise invalid_param(f"Invalid hash: {key} mixes a value and a hash", key)
            node = child
        if isinstance(node.get(parts[-1]), dict):
            raise invalid_param(f"Invalid hash: {key} mixes a value and a hash", key)
        node[parts[-1]] = value
    return params


def check_known(params: Mapping[str, ParamValue], allowed: set[str], prefix: str = "") -> None:
    """Reject parameters the endpoint does not take, as Stripe does."""
    for name in params:
        if name not in allowed:
            full = f"{prefix}[{name}]" if prefix else name
            raise invalid_param(f"Received unknown parameter: {full}", full, "parameter_unknown")


def get_str(params: Params, name: str, *, required: bool = False) -> str | None:
    """A string parameter, or None when absent."""
    value = params.get(name)
    if value is None:
        if required:
            raise invalid_param(f"Missing required param: {name}.", name, "parameter_missing")
        return None
    if not isinstance(value, str):
        raise invalid_param(f"Invalid string: {name} must be a string, not a hash", name)
    return value


def get_int(
    params: Params,
    name: str,
    *,
    required: bool = False,
    minimum: int = 1,
    maximum: int = 99_999_999,
) -> int | None:
    """An integer parameter within [minimum, maximum], or None when absent."""
    text = get_str(params, name, required=required)
    if text is None:
        return None
    if not re.fullmatch(r"-?\d+", text):
        raise invalid_param(f"Invalid integer: {text}", name, "parameter_invalid_integer")
    value = int(text)
    if value < minimum:
        raise invalid_param(
            f"This value must be greater than or equal to {minimum}.",
            name,
            "parameter_invalid_integer",
        )
    if value > maximum:
        raise invalid_param(
            f"This value must be less than or equal to {maximum}.",
            name,
            "parameter_invalid_integer",
        )
    return value


def get_bool(params: Params, name: str, prefix: str) -> bool | None:
    """A boolean parameter (`true`/`false`), or None when absent."""
    text = get_str(params, name)
    if text is None:
        return None
    if text not in ("true", "false"):
        raise invalid_param(f"Invalid boolean: {text}", f"{prefix}[{name}]")
    return text == "true"


def get_hash(params: Params, name: str) -> Params | None:
    """A nested hash parameter, or None when absent; an empty string means an empty hash."""
    value = params.get(name)
    if value is None:
        return None
    if value == "":
        return {}
    if isinstance(value, str):
        raise invalid_param(f"Invalid hash: {name} must be a hash", name)
    return value


def get_metadata(params: Params) -> dict[str, str]:
    """`metadata[key]=value` pairs with Stripe's limits; empty values unset keys."""
    raw = get_hash(params, "metadata") or {}
    if len(raw) > 50:
        raise invalid_param("Metadata can have at most 50 keys.", "metadata")
    metadata: dict[str, str] = {}
    for key, value in raw.items():
        if not isinstance(value, str):
            raise invalid_param(
                f"Invalid metadata value for {key}: nested hash", f"metadata[{key}]"
            )
        if len(key) > 40:
            raise invalid_param("Metadata keys can be at most 40 characters.", f"metadata[{key}]")
        if len(value) > 500:
            raise invalid_param(
                "Metadata values can be at most 500 characters.", f"metadata[{key}]"
            )
        if value:
            metadata[key] = value
    return metadata


def get_choice(params: Params, name: str, choices: tuple[str, ...]) -> str | None:
    """A string parameter that must be one of `choices`, or None when absent."""
    value = get_str(params, name)
    if value is not None and value not in choices:
        raise invalid_param(
            f"Invalid {name}: must be one of {', '.join(choices)}", name, "parameter_invalid_string"
        )
    return value
