"""Settings: defaults, environment overrides and validation errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from livesale.config import ConfigError, Settings, load_settings
from livesale.payments.choice import choose_gateway


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_file_or_env() -> None:
    settings = load_settings(None, env={})
    assert settings == Settings()
    assert settings.server.port == 8080
    assert settings.redis.url == ""
    assert settings.base_url == "http://127.0.0.1:8080"


def test_repo_config_file_loads_and_matches_defaults() -> None:
    repo_config = Path(__file__).resolve().parent.parent / "config.toml"
    assert load_settings(repo_config, env={}) == Settings()


def test_env_overrides_file(tmp_path: Path) -> None:
    path = _write(tmp_path, "[server]\nport = 9000\nhost = '0.0.0.0'\n")
    env = {
        "LIVESALE__SERVER__PORT": "9100",
        "LIVESALE__MEDIA__TURN_SECRET": "s3cret",
        "LIVESALE__SERVER__USE_UVLOOP": "false",
        "UNRELATED": "x",
    }
    settings = load_settings(path, env=env)
    assert settings.server.port == 9100
    assert settings.server.host == "0.0.0.0"
    assert settings.server.use_uvloop is False
    assert settings.media.turn_secret == "s3cret"
    assert "s3cret" not in repr(settings)


@pytest.mark.parametrize(
    "text",
    ["[server]\nprot = 1\n", "[nosuch]\nx = 1\n", "extra = 1\n"],
)
def test_unknown_keys_are_rejected(tmp_path: Path, text: str) -> None:
    with pytest.raises(ConfigError, match="unknown"):
        load_settings(_write(tmp_path, text), env={})


def test_unknown_env_key_is_rejected() -> None:
    with pytest.raises(ConfigError, match="unknown key"):
        load_settings(None, env={"LIVESALE__SERVER__PROT": "1"})


def test_secret_in_file_is_rejected(tmp_path: Path) -> None:
    path = _write(tmp_path, "[media]\nturn_secret = 'oops'\n")
    with pytest.raises(ConfigError, match="LIVESALE__MEDIA__TURN_SECRET") as info:
        load_settings(path, env={})
    assert "oops" not in str(info.value)


@pytest.mark.parametrize(
    "text",
    [
        "[server]\nport = 'eighty'\n",
        "[server]\nuse_uvloop = 'yes'\n",
        "[server]\nport = true\n",
        "[media]\nkeyframe_request_interval_seconds = 'soon'\n",
        "[server]\ncors_origins = 'x'\n",
        "server = 1\n",
    ],
)
def test_bad_types_are_rejected(tmp_path: Path, text: str) -> None:
    with pytest.raises(ConfigError):
        load_settings(_write(tmp_path, text), env={})


def test_bad_env_value_is_rejected() -> None:
    with pytest.raises(ConfigError):
        load_settings(None, env={"LIVESALE__SERVER__PORT": "eighty"})


def test_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_settings(tmp_path / "nope.toml", env={})


def test_payment_gateway_is_checked(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="gateway must be"):
        load_settings(_write(tmp_path, "[payments]\ngateway = 'paypal'\n"), env={})
    with pytest.raises(ConfigError, match="STRIPE_SECRET_KEY"):
        load_settings(_write(tmp_path, "[payments]\ngateway = 'stripe'\n"), env={})
    with pytest.raises(ConfigError, match="secret"):
        load_settings(_write(tmp_path, "[payments]\nstripe_secret_key = 'sk_live_x'\n"), env={})
    settings = load_settings(None, env={"LIVESALE__PAYMENTS__STRIPE_SECRET_KEY": "sk_test_1"})
    assert choose_gateway(settings) == "stripe"
    assert "sk_test_1" not in repr(settings)
    # The defaults listen on loopback only: the offline dummy may run there.
    assert choose_gateway(load_settings(None, env={})) == "dummy"
