"""The composition root: every part built without I/O, opened when the app starts."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from aiohttp.test_utils import TestClient, TestServer

from livesale.app import create_app
from livesale.composition.services import SERVICES, LocalVideo, RemoteVideo
from livesale.config import RedisSettings, ServerSettings, Settings
from livesale.roles import Role
from livesale.web.media_proxy import END_BROADCAST_PATH


async def test_building_the_app_touches_nothing_until_it_starts(tmp_path: Path) -> None:
    data = tmp_path / "data"
    settings = dataclasses.replace(
        Settings(),
        server=ServerSettings(data_dir=str(data), use_uvloop=False),
        redis=RedisSettings(url=""),
    )
    app = create_app(settings)
    storage = app[SERVICES].storage
    assert storage.embedded_redis is not None
    # Built, not opened: no database file, no redis-server, not even the data folder.
    assert not data.exists()
    assert storage.embedded_redis.pid is None
    async with TestClient(TestServer(app)) as client:
        assert (await client.get("/readyz")).status == 200
        assert settings.sqlite_path.exists()
        assert storage.embedded_redis.pid is not None
    assert storage.embedded_redis.pid is None


def test_each_role_gets_its_own_kind_of_video(settings: Settings) -> None:
    assert isinstance(create_app(settings, Role.ALL)[SERVICES].video, LocalVideo)
    assert isinstance(create_app(settings, Role.MEDIA)[SERVICES].video, LocalVideo)
    assert isinstance(create_app(settings, Role.SHOP)[SERVICES].video, RemoteVideo)


def test_the_media_control_routes_are_the_media_process_s_alone(settings: Settings) -> None:
    def paths(role: Role) -> set[str]:
        app = create_app(settings, role)
        return {resource.canonical for resource in app.router.resources()}

    assert END_BROADCAST_PATH in paths(Role.MEDIA)
    assert END_BROADCAST_PATH not in paths(Role.ALL)
    assert END_BROADCAST_PATH not in paths(Role.SHOP)
