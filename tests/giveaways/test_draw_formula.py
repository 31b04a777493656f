"""The giveaway draw's formula, recomputed here from its documented text, and its keys' slot."""

from __future__ import annotations

import hashlib
import random

from redis.crc import key_slot

from livesale.domain.giveaways import Entry, entry_id, seed_hash, winning_entry, winning_index
from livesale.storage.giveaways import giveaway_keys


def documented_winner(seed: str, entry_ids: list[str]) -> str:
    """docs/api.md: sorted ids, sha256 of seed + ":" + the ids joined by newlines, mod n."""
    ordered = sorted(entry_ids)
    text = seed + ":" + "\n".join(ordered)
    return ordered[int(hashlib.sha256(text.encode("utf-8")).hexdigest(), 16) % len(ordered)]


def test_the_winner_is_the_documented_formula_whatever_the_order_of_the_entries() -> None:
    rng = random.Random(7)
    for n in (1, 2, 3, 10, 999):
        ids = [entry_id(i) for i in range(1, n + 1)]
        for _ in range(20):
            seed = f"{rng.getrandbits(256):064x}"
            rng.shuffle(ids)
            expected = documented_winner(seed, ids)
            assert sorted(ids)[winning_index(seed, ids)] == expected
            entries = [Entry(i, f"Guest {i}") for i in ids]
            winner = winning_entry(seed, entries)
            assert winner is not None
            assert winner.id == expected


def test_a_known_draw() -> None:
    # Worked by hand from the formula (and written in docs/api.md as the example).
    seed = "0" * 64
    ids = ["000001", "000002", "000003"]
    digest = hashlib.sha256((seed + ":000001\n000002\n000003").encode()).hexdigest()
    assert digest == "4dff05504443e9fb199e54012091a381cb8c14ba84541a85bce64d14abba36af"
    assert winning_index(seed, ids) == int(digest, 16) % 3 == 0
    assert seed_hash(seed) == hashlib.sha256(seed.encode()).hexdigest()


def test_entry_ids_sort_as_they_were_made() -> None:
    ids = [entry_id(n) for n in range(1, 1500)]
    assert sorted(ids) == ids
    assert winning_entry("ab" * 32, []) is None


def test_one_giveaways_keys_share_one_cluster_slot() -> None:
    keys = giveaway_keys("creator-1", "gvw_1")
    assert len({key_slot(key.encode()) for key in keys}) == 1
    assert all(key.startswith("livesale:creator:{creator-1}:giveaway:gvw_1") for key in keys)
