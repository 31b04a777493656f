"""Passkey sign-ins one address may start each minute come from the settings."""

from __future__ import annotations

import dataclasses

import pytest

from livesale.config import Settings
from tests.support.clients import Client, assert_error, origin

LIMIT = 3


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """A small per-address limit on passkey sign-ins."""
    auth = dataclasses.replace(settings.auth, passkey_sign_ins_per_address_per_minute=LIMIT)
    return dataclasses.replace(settings, auth=auth)


@pytest.mark.parametrize("base", ["/api/viewer/passkeys", "/api/auth/passkeys"])
async def test_sign_ins_past_the_limit_are_refused_with_a_retry_time(
    anonymous: Client, base: str
) -> None:
    for _ in range(LIMIT):
        response = await anonymous.post(f"{base}/sign-in/options", headers=origin(anonymous))
        assert response.status == 200, await response.text()
    refused = await anonymous.post(f"{base}/sign-in/options", headers=origin(anonymous))
    await assert_error(refused, 429, "rate_limited")
    assert int(refused.headers["Retry-After"]) >= 1


def test_the_limit_must_allow_one() -> None:
    with pytest.raises(ValueError, match="passkey_sign_ins_per_address_per_minute"):
        dataclasses.replace(Settings().auth, passkey_sign_ins_per_address_per_minute=0)
