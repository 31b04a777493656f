"""Typed application keys: the only way parts are found on the aiohttp app."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from livesale.config import Settings
    from livesale.media.service import MediaService
    from livesale.storage.database import Database
    from livesale.storage.shows import ShowRepository

SETTINGS: web.AppKey[Settings] = web.AppKey("settings")
DATABASE: web.AppKey[Database] = web.AppKey("database")
SHOWS: web.AppKey[ShowRepository] = web.AppKey("shows")
REDIS: web.AppKey[Redis] = web.AppKey("redis")
MEDIA: web.AppKey[MediaService] = web.AppKey("media")
