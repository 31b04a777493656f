"""The Redis settings: Sentinel or a URL, and waiting for replicas, checked at load."""

from __future__ import annotations

from pathlib import Path

import pytest

from livesale.config import ConfigError, load_settings


def test_sentinels_come_from_the_file_or_the_environment(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        '[redis]\nsentinels = ["10.0.0.11:26379", "[fd00::12]:26379"]\nmaster_name = "shop"\n'
    )
    settings = load_settings(path, env={"LIVESALE__REDIS__MIN_REPLICAS_ACKED": "1"})
    assert settings.redis.sentinels == ("10.0.0.11:26379", "[fd00::12]:26379")
    assert settings.redis.master_name == "shop"
    assert settings.redis.min_replicas_acked == 1
    assert not settings.redis.embedded

    env = {
        "LIVESALE__REDIS__SENTINELS": '["127.0.0.1:26379"]',
        "LIVESALE__REDIS__MASTER_NAME": "livesale",
    }
    assert load_settings(None, env=env).redis.sentinels == ("127.0.0.1:26379",)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"LIVESALE__REDIS__SENTINELS": '["h:26379"]', "LIVESALE__REDIS__URL": "redis://h"},
            "redis.url and redis.sentinels are exclusive",
        ),
        ({"LIVESALE__REDIS__SENTINELS": '["h:26379"]'}, "redis.master_name is required"),
        (
            {"LIVESALE__REDIS__SENTINELS": '["h"]', "LIVESALE__REDIS__MASTER_NAME": "m"},
            "'h' is not host:port",
        ),
        (
            {"LIVESALE__REDIS__SENTINELS": '["h:0"]', "LIVESALE__REDIS__MASTER_NAME": "m"},
            "'h:0' is not host:port",
        ),
        ({"LIVESALE__REDIS__MIN_REPLICAS_ACKED": "-1"}, "min_replicas_acked must be 0"),
        ({"LIVESALE__REDIS__REPLICA_ACK_TIMEOUT_SECONDS": "0"}, "must be above 0"),
    ],
)
def test_bad_redis_settings_are_refused_by_name(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings(None, env=env)


def test_without_url_or_sentinels_the_server_is_embedded() -> None:
    assert load_settings(None, env={}).redis.embedded
