"""Names of the stock keys in Redis: every key a stock script touches carries its seller's tag.

A variant's stock is shared by every show of its seller, so the seller is the
unit that must live in one Redis Cluster hash slot: `livesale:creator:{<id>}:`
(Redis hashes only the part inside the braces). Counters, holds, flash sales,
the expiry index, the per-person caps and the shows' end markers of one seller
all share that tag, and every script declares all of its keys.
"""

from __future__ import annotations

from collections.abc import Mapping

# Sellers with holds that may expire: creator id -> the latest deadline (ms) of
# their holds. A sorted set outside any seller's tag, never touched by a script.
SELLERS_KEY = "livesale:stock:sellers"
# The run ids of the Redis servers whose counters were last checked against the record.
CHECKED_KEY = "livesale:stock:checked"
# Matches every variant's counters, of every seller.
VARIANT_PATTERN = "livesale:creator:{*}:stock:variant:*"

_VARIANT = "variant:"


def seller_tag(creator_id: str) -> str:
    """The prefix of every stock key of one seller (the braces are Cluster's hash tag)."""
    return f"livesale:creator:{{{creator_id}}}:stock:"


def variant_key(creator_id: str, variant_id: str) -> str:
    """Hash of a variant's counters: available, held, sold."""
    return seller_tag(creator_id) + _VARIANT + variant_id


def parse_variant_key(key: str) -> tuple[str, str] | None:
    """(creator id, variant id) of a variant counters key; None for another key."""
    head = "livesale:creator:{"
    if not key.startswith(head):
        return None
    creator_id, _, rest = key[len(head) :].partition("}:stock:")
    if not rest.startswith(_VARIANT):
        return None
    return creator_id, rest[len(_VARIANT) :]


def hold_key(creator_id: str, hold_id: str) -> str:
    """Hash of one hold: variant, quantity, buyer, sale, state, deadline (ms), addr."""
    return seller_tag(creator_id) + "hold:" + hold_id


def expiries_key(creator_id: str) -> str:
    """Sorted set of the seller's held holds by deadline (ms)."""
    return seller_tag(creator_id) + "expiries"


def sale_key(creator_id: str, sale_id: str) -> str:
    """Hash of a flash sale's counters: held, sold (and `closed` once it stopped)."""
    return seller_tag(creator_id) + "sale:" + sale_id


def sale_buyers_key(creator_id: str, sale_id: str) -> str:
    """Hash: buyer id -> units the buyer holds or bought in the flash sale."""
    return sale_key(creator_id, sale_id) + ":buyers"


def sale_addresses_key(creator_id: str, sale_id: str) -> str:
    """Hash: normalised address -> units its buyers hold or bought in the flash sale."""
    return sale_key(creator_id, sale_id) + ":addresses"


def sale_windows_key(creator_id: str, sale_id: str) -> str:
    """Hash: buyer id -> when (ms) every hold of theirs in the flash sale ends."""
    return sale_key(creator_id, sale_id) + ":windows"


def sale_card_key(creator_id: str, sale_id: str, fingerprint: str) -> str:
    """Hash: order id -> units of the flash sale that order paid for with this card."""
    return sale_key(creator_id, sale_id) + ":card:" + fingerprint


def held_by_key(creator_id: str, person_key: str) -> str:
    """Units a person key (`viewer:<id>` or `address:<addr>`) holds at once from this seller."""
    return seller_tag(creator_id) + "held_by:" + person_key


def show_ended_key(creator_id: str, show_id: str) -> str:
    """Exists once the seller's show has ended: live holds for it are refused from then on."""
    return seller_tag(creator_id) + "show_ended:" + show_id


def give_back_keys(creator_id: str, hold_id: str, fields: Mapping[str, str]) -> list[str]:
    """The keys a hold's units go back to, named from its stored fields (GIVE_BACK_LUA's order).

    A hold's variant, buyer, sale and address never change once it is taken,
    so the keys read from it before a script runs are the keys the script needs.
    Without a sale (or an address) the names are placeholders no script reads.
    """
    sale_id = fields.get("sale", "")
    return [
        hold_key(creator_id, hold_id),
        variant_key(creator_id, fields.get("variant", "")),
        held_by_key(creator_id, "viewer:" + fields.get("buyer", "")),
        held_by_key(creator_id, "address:" + fields.get("addr", "")),
        sale_key(creator_id, sale_id),
        sale_buyers_key(creator_id, sale_id),
        sale_windows_key(creator_id, sale_id),
        sale_addresses_key(creator_id, sale_id),
    ]


# How many keys give_back_keys names per hold.
GIVE_BACK_KEY_COUNT = 8
