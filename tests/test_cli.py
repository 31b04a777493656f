"""The `livesale` command."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from livesale.cli import main
from livesale.config import load_settings
from livesale.storage.shows import ShowRepository
from livesale.storage.sqlite_database import SqliteDatabase as Database


def _config(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f"[server]\ndata_dir = {str(tmp_path / 'data')!r}\npublic_url = 'https://shop.example'\n",
        encoding="utf-8",
    )
    return path


async def _verify(db_path: Path, show_id: str, key: str) -> str:
    db = await Database.connect(db_path)
    try:
        return (await ShowRepository(db).verify_stream_key(show_id, key)).title
    finally:
        await db.close()


def test_show_create_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = _config(tmp_path)
    assert main(["show", "create", "Spring sale", "--config", str(config), "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert set(record) == {"id", "stream_key", "whip_url", "whep_url", "host_url", "watch_url"}
    show_id, key = record["id"], record["stream_key"]
    base = "https://shop.example"
    assert record["whip_url"] == f"{base}/whip/{show_id}"
    assert record["whep_url"] == f"{base}/whep/{show_id}"
    assert record["watch_url"] == f"{base}/watch/{show_id}"
    assert record["host_url"] == f"{base}/host/{show_id}#key={key}"
    settings = load_settings(config, env={})
    assert asyncio.run(_verify(settings.sqlite_path, show_id, key)) == "Spring sale"


def test_show_create_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", "create", "Show", "--config", str(_config(tmp_path))]) == 0
    out = capsys.readouterr().out
    assert "shown once" in out
    assert "https://shop.example/whip/" in out


def test_bad_title_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", "create", "  ", "--config", str(_config(tmp_path))]) == 2
    assert "title" in capsys.readouterr().err


def test_bad_config_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[server]\nport = 'x'\n", encoding="utf-8")
    assert main(["show", "create", "Show", "--config", str(path)]) == 2
    assert "server.port" in capsys.readouterr().err
    assert main(["serve", "--config", str(tmp_path / "missing.toml")]) == 2
