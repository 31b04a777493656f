"""Giveaways as the room and the API send them (times in epoch ms, as the room's clocks use).

The seed is sent only once drawn; entrants are named by entry id and display
name, never by viewer id or address.
"""

from __future__ import annotations

from typing import Any

from livesale.domain.giveaways import Giveaway, GiveawayState

# The winner's formula, sent with every draw so a reader needs nothing else to check it.
FORMULA = (
    'index = int(sha256(seed + ":" + "\\n".join(sorted(entry_ids))).hexdigest(), 16)'
    " % len(entry_ids); winner = sorted(entry_ids)[index]"
)


def _ms(seconds: float | None) -> int | None:
    return None if seconds is None else round(seconds * 1000)


def public_state(giveaway: Giveaway, now: float) -> str:
    """open, closed (time is up, not drawn yet), drawn or claimed."""
    if giveaway.state is GiveawayState.OPEN and now >= giveaway.ends_at:
        return "closed"
    return giveaway.state.value


def giveaway_json(giveaway: Giveaway, entries_count: int, now: float) -> dict[str, Any]:
    """The giveaway as viewers see it, with the server's clock (`server_now_ms`)."""
    g = giveaway
    winner = None
    if g.drawn and g.winner_entry_id is not None:
        winner = {"entry_id": g.winner_entry_id, "name": g.winner_name}
    return {
        "id": g.id,
        "show_id": g.show_id,
        "product": {
            "id": g.product_id,
            "title": g.title,
            "variant_id": g.variant_id,
            "variant_name": g.variant_name,
        },
        "rules": g.rules,
        "duration_seconds": g.duration_seconds,
        "offset_ms": g.offset_ms,
        "started_at_ms": _ms(g.started_at),
        "ends_at_ms": _ms(g.ends_at),
        "claim_by_ms": _ms(g.claim_by),
        "server_now_ms": _ms(now),
        "state": public_state(g, now),
        "entries_count": len(g.entries) if g.drawn else entries_count,
        "seed_hash": g.seed_hash,
        "seed": g.public_seed,
        "winner": winner,
        "drawn_at_ms": _ms(g.drawn_at),
        "claimed": g.state is GiveawayState.CLAIMED,
    }


def draw_json(giveaway: Giveaway, now: float) -> dict[str, Any]:
    """Everything needed to recompute the draw: seed, its hash, the entries, the formula."""
    drawn = giveaway.drawn
    return {
        "giveaway": giveaway_json(giveaway, len(giveaway.entries), now),
        "seed_hash": giveaway.seed_hash,
        "seed": giveaway.public_seed,
        "entries": [{"id": e.id, "name": e.name} for e in giveaway.entries] if drawn else None,
        "winner_entry_id": giveaway.winner_entry_id if drawn else None,
        "formula": FORMULA,
    }


def started_message(giveaway: Giveaway, now: float) -> dict[str, Any]:
    """The room event: a giveaway started (its seed's hash is published here)."""
    return {"type": "giveaway_started", "giveaway": giveaway_json(giveaway, 0, now)}


def entries_message(giveaway_id: str, count: int) -> dict[str, Any]:
    """The room event carrying how many entries a giveaway has (sent a few times a second)."""
    return {"type": "giveaway_entries", "giveaway_id": giveaway_id, "entries_count": count}


def closed_message(giveaway: Giveaway, entries_count: int, now: float) -> dict[str, Any]:
    """The room event: the giveaway's time is up, no more entries."""
    return {"type": "giveaway_closed", "giveaway": giveaway_json(giveaway, entries_count, now)}


def drawn_message(giveaway: Giveaway, now: float) -> dict[str, Any]:
    """The room event: the winner's display name and the revealed seed."""
    return {
        "type": "giveaway_drawn",
        "giveaway": giveaway_json(giveaway, len(giveaway.entries), now),
    }
