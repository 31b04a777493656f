"""`livesale serve` (supervisor, media and shop processes) on Sentinel: no embedded Redis."""

from __future__ import annotations

import json

import pytest

from tests.support.sentinel import MASTER_NAME, SentinelSetUp
from tests.support.served import served
from tests.support.stage import Stage


async def test_every_process_finds_the_master_through_the_sentinels(
    sentinels: SentinelSetUp,
) -> None:
    async with served(
        redis__sentinels=json.dumps(list(sentinels.addresses)), redis__master_name=MASTER_NAME
    ) as running:
        # /readyz answered 200: the shop checked Redis through the sentinels.
        roles = running.roles()
        assert roles["redis"] == [], "an embedded redis-server was started"
        assert len(roles["shop"]) == 1
        assert len(roles["media"]) == 1


async def test_serve_stops_naming_the_settings_when_no_master_is_found(
    sentinels: SentinelSetUp, tmp_path_factory: pytest.TempPathFactory
) -> None:
    folder = tmp_path_factory.mktemp("serve")
    stage = Stage(
        folder,
        {
            "redis__sentinels": json.dumps(list(sentinels.addresses)),
            "redis__master_name": "not-" + MASTER_NAME,
        },
    )
    with pytest.raises(RuntimeError, match=r"redis\.sentinels and redis\.master_name"):
        await stage.start()
    await stage.stop()
