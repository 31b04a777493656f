"""Names and titles that cannot impersonate: invisible characters, look-alikes, reserved names.

Issue 14's findings: `Alice\\u200b` passed for "Alice", and a right-to-left
override could make a title read as something else. Each request here was
accepted before; now it gets `validation_failed` and changes nothing.
"""

from __future__ import annotations

from typing import Any

import pytest

from livesale.composition.services import SERVICES
from livesale.domain.accounts import validate_display_name
from livesale.domain.errors import ValidationFailed
from livesale.domain.products import validate_product_title
from livesale.domain.shows import validate_title
from tests.support.clients import Client, become_viewer, origin, sign_up

ZWSP = "\u200b"  # zero-width space
RLO = "\u202e"  # right-to-left override
CYRILLIC_A = "\u0430"  # looks exactly like the Latin "a"

INVISIBLE_NAMES = [
    "Alice" + ZWSP,
    "Al" + ZWSP + "ice",
    "Alice\u200c",  # zero-width non-joiner
    "Alice\u2060",  # word joiner
    "Alice\ufeff",  # byte order mark
    "Alice\u00ad",  # soft hyphen
    "\u3164Alice",  # Hangul filler, a blank letter
    "Alice\u200e",  # left-to-right mark
    RLO + "ecilA",
    "Alice\u2066x\u2069",  # an isolate
    "Alice\U000e0041",  # a tag character
    "A\u200dlice",  # a joiner outside emoji
]


def _reason(info: pytest.ExceptionInfo[ValidationFailed]) -> Any:
    return info.value.details["reason"]


@pytest.mark.parametrize("name", INVISIBLE_NAMES)
def test_invisible_characters_are_refused_in_names(name: str) -> None:
    with pytest.raises(ValidationFailed) as info:
        validate_display_name(name)
    assert _reason(info) == "invisible_characters"
    assert info.value.details["field"] == "display_name"


def test_emoji_sequences_and_ordinary_names_still_pass() -> None:
    for name in [
        "小红 👩\u200d👩\u200d👧",  # a family: ZWJ between emoji
        "Mia ❤\ufe0f",  # VS16 after an emoji
        "Kai 🏳\ufe0f\u200d🌈",  # VS16 then ZWJ
        "Team 1\ufe0f\u20e3",  # a keycap
        "Zoë 小明",
        "Ólafur Þór",
        "محمد",
        "Алиса",  # a whole Cyrillic name is a name, not a disguise
    ]:
        assert validate_display_name(name) == name


def test_control_characters_keep_their_reason() -> None:
    with pytest.raises(ValidationFailed) as info:
        validate_display_name("bad\x00name")
    assert _reason(info) == "bad_characters"


@pytest.mark.parametrize(
    "name",
    ["admin", "ADMIN", "\uff21\uff24\uff2d\uff29\uff2e", CYRILLIC_A + "dmin", "Moderator", "主播"],
)
def test_reserved_names_are_refused_in_any_disguise(name: str) -> None:
    with pytest.raises(ValidationFailed) as info:
        validate_display_name(name)
    assert _reason(info) == "reserved_name"


def test_names_fold_to_one_key() -> None:
    # Imported here: the other tests of this file also run against code without the module.
    from livesale.domain.text_safety import name_key

    alice = name_key("Alice")
    for disguise in [
        "Alice" + ZWSP,
        CYRILLIC_A.upper() + "lice",  # Cyrillic capital A
        "Al" + "\u0456" + "ce",  # Cyrillic i
        "\uff21\uff4c\uff49\uff43\uff45",  # fullwidth
        "ALICE",
    ]:
        assert name_key(disguise) == alice, disguise
    assert name_key("Alicia") != alice
    assert name_key("Alice 2") != alice
    assert name_key("\u0410\u043b\u0438\u0441\u0430") != alice  # Alisa, in Cyrillic
    assert name_key("小红") != name_key("小明")


@pytest.mark.parametrize("title", ["Sale " + RLO + "gnikcol", "Spring" + ZWSP + " drop"])
def test_titles_refuse_invisible_characters(title: str) -> None:
    for validate in (validate_title, validate_product_title):
        with pytest.raises(ValidationFailed) as info:
            validate(title)
        assert _reason(info) == "invisible_characters"
        assert info.value.details["field"] == "title"
    assert validate_title("春季上新 🌸") == "春季上新 🌸"


async def _error(response: Any, status: int = 400) -> dict[str, Any]:
    assert response.status == status, await response.text()
    error: dict[str, Any] = (await response.json())["error"]
    return error


async def _count(client: Client, table: str) -> int:
    row = await client.app[SERVICES].storage.database.fetchone(f"SELECT COUNT(*) FROM {table}")
    assert row is not None
    return int(row[0])


async def test_a_guest_cannot_be_alice_with_a_zero_width_space(app_client: Client) -> None:
    response = await app_client.put(
        "/api/viewer", json={"display_name": "Alice" + ZWSP}, headers=origin(app_client)
    )
    error = await _error(response)
    assert error["code"] == "validation_failed"
    assert error["details"] == {"field": "display_name", "reason": "invisible_characters"}
    assert "Set-Cookie" not in response.headers
    assert await _count(app_client, "viewers") == 0
    # Renaming a guest is held to the same rule, and the old name stays.
    await become_viewer(app_client, "Mia")
    response = await app_client.put(
        "/api/viewer", json={"display_name": RLO + "aiM"}, headers=origin(app_client)
    )
    assert (await _error(response))["details"]["reason"] == "invisible_characters"
    current = await (await app_client.get("/api/viewer")).json()
    assert current["viewer"]["display_name"] == "Mia"


async def test_a_creator_name_with_an_override_is_refused(app_client: Client) -> None:
    response = await app_client.post(
        "/api/auth/signup",
        json={
            "email": "eve@example.com",
            "password": "correct horse battery staple",
            "display_name": "Eve" + RLO + "nimda",
        },
        headers=origin(app_client),
    )
    assert (await _error(response))["details"]["reason"] == "invisible_characters"
    response = await app_client.post(
        "/api/auth/signup",
        json={
            "email": "eve@example.com",
            "password": "correct horse battery staple",
            "display_name": CYRILLIC_A + "dmin",
        },
        headers=origin(app_client),
    )
    assert (await _error(response))["details"]["reason"] == "reserved_name"
    assert await _count(app_client, "creators") == 0


async def test_show_and_product_titles_with_an_override_are_refused(app_client: Client) -> None:
    await sign_up(app_client)
    rlo_title = "Sale " + RLO + "gnikcol"
    response = await app_client.post(
        "/api/shows", json={"title": rlo_title}, headers=origin(app_client)
    )
    error = await _error(response)
    assert error["details"] == {"field": "title", "reason": "invisible_characters"}
    assert await _count(app_client, "shows") == 0

    response = await app_client.post(
        "/api/shows", json={"title": "Spring drop"}, headers=origin(app_client)
    )
    assert response.status == 201, await response.text()
    show_id = (await response.json())["show"]["id"]
    response = await app_client.patch(
        f"/api/shows/{show_id}", json={"title": rlo_title}, headers=origin(app_client)
    )
    assert (await _error(response))["details"]["reason"] == "invisible_characters"
    show = await (await app_client.get(f"/api/shows/{show_id}")).json()
    assert show["title"] == "Spring drop"

    variant = {"sku": "TEE-M", "price_minor": 1999, "currency": "EUR", "stock": 10}
    response = await app_client.post(
        "/api/products",
        json={"title": "T" + ZWSP + "-shirt", "variants": [variant]},
        headers=origin(app_client),
    )
    error = await _error(response)
    assert error["details"] == {"field": "title", "reason": "invisible_characters"}
    assert await _count(app_client, "products") == 0
