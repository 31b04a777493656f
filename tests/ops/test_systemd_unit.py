"""The shipped systemd unit passes `systemd-analyze verify`; its env example names real settings."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from livesale.config import load_settings
from tests.ops.ops_helpers import OPS_DIR, run

UNIT = OPS_DIR / "systemd" / "livesale.service"
ENV_EXAMPLE = OPS_DIR / "systemd" / "livesale.env.example"
SHIPPED_COMMAND = "/opt/livesale/.venv/bin/livesale"


async def test_the_unit_passes_systemd_analyze_verify(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    assert analyze is not None, "systemd-analyze is not installed: apt-get install systemd"
    text = UNIT.read_text()
    assert f"ExecStart={SHIPPED_COMMAND} serve " in text
    # verify checks that the command exists: this machine's livesale stands in for /opt's.
    here = Path(sys.executable).parent / "livesale"
    unit = tmp_path / "livesale.service"
    unit.write_text(text.replace(SHIPPED_COMMAND, str(here)))
    status, output = await run(analyze, "verify", str(unit))
    assert status == 0, output
    assert output.strip() == "", output  # unknown keys are only warned about


def test_the_env_example_sets_only_settings_that_exist() -> None:
    env = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            env[name] = value
    assert env
    settings = load_settings(env=env)  # an unknown section or key is a ConfigError
    assert settings.database.url.startswith("postgresql://")
    assert settings.payments.stripe_secret_key == "sk_live_change_me"
