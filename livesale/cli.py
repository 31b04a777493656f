"""The `livesale` command: run the server, create shows, migrate or copy the database."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from livesale.config import ConfigError, Settings, load_settings
from livesale.data_folder import make_private
from livesale.domain.errors import LivesaleError
from livesale.logging_setup import configure_logging
from livesale.payments.choice import choose_gateway
from livesale.storage.engines import describe_database, open_database
from livesale.storage.record_copy import TargetNotEmpty, copy_record
from livesale.storage.redis_client import RedisMisconfigured
from livesale.storage.redis_server import EmbeddedRedisError
from livesale.storage.shows import ShowRepository
from livesale.storage.sqlite_database import SqliteDatabase
from livesale.web.urls import show_urls

DEFAULT_CONFIG = Path("config.toml")
EXIT_FAILURE = 1
EXIT_USAGE = 2

logger = logging.getLogger(__name__)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `livesale` command; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        settings = _load(args.config)
    except ConfigError as exc:
        print(f"livesale: configuration error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.command == "serve":
        return _serve(settings)
    if args.command == "db":
        return _database_command(settings, args)
    return _create_show(settings, args.title, as_json=args.json)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="livesale", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    config_help = f"settings file (default: ./{DEFAULT_CONFIG} if it exists)"
    serve = commands.add_parser("serve", help="run the web server")
    serve.add_argument("--config", type=Path, help=config_help)
    show = commands.add_parser("show", help="manage shows")
    show_commands = show.add_subparsers(dest="show_command", required=True)
    create = show_commands.add_parser("create", help="create a show and print its stream key")
    create.add_argument("title", help="the show's title (1 to 200 characters)")
    create.add_argument("--config", type=Path, help=config_help)
    create.add_argument("--json", action="store_true", help="print one JSON object")
    db = commands.add_parser("db", help="the database that keeps the record")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    migrate = db_commands.add_parser("migrate", help="apply the migrations this livesale knows")
    migrate.add_argument("--config", type=Path, help=config_help)
    copy = db_commands.add_parser(
        "copy", help="copy an SQLite file's record into the empty PostgreSQL of database.url"
    )
    copy.add_argument("--from", dest="source", type=Path, required=True, help="the SQLite file")
    copy.add_argument("--config", type=Path, help=config_help)
    return parser


def _load(config: Path | None) -> Settings:
    if config is None and DEFAULT_CONFIG.is_file():
        config = DEFAULT_CONFIG
    return load_settings(config)


def _serve(settings: Settings) -> int:
    try:
        configure_logging(settings.log)
    except ConfigError as exc:
        print(f"livesale: configuration error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        # Before anything starts: a reachable server without Stripe must not sell for nothing.
        choose_gateway(settings)
    except ConfigError as exc:
        print(f"livesale: configuration error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        # Everything this process and its children write is owner-only from here on.
        make_private(settings)
    except OSError as exc:
        print(f"livesale: cannot start: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    if settings.server.shop_processes < 0:
        print(
            "livesale: configuration error: server.shop_processes must be 0 or more",
            file=sys.stderr,
        )
        return EXIT_USAGE
    base = settings.base_url

    def announce(_message: str = "") -> None:
        # Called once the listeners are bound (and ready), so the URLs work when shown.
        print(
            f"livesale is running at {base}/\n"
            f"Creators: sign up and go live at {base}/console\n"
            f'Or create a show here: .venv/bin/livesale show create "My first show"\n'
            "(Ctrl+C to stop)",
            flush=True,
        )

    if settings.server.shop_processes > 0:
        # A supervisor of one media process and the shop processes; it loads no aiortc.
        from livesale.serve.supervisor import supervise

        return supervise(settings, announce)
    # Imported here so `livesale show create` does not load aiortc and av.
    from livesale.app import served_app
    from livesale.process_tuning import new_event_loop
    from livesale.web.serving import run_app

    app = served_app(settings)
    try:
        run_app(app, settings, loop=new_event_loop(settings), ready=announce)
    except (RedisMisconfigured, EmbeddedRedisError, OSError) as exc:
        print(f"livesale: cannot start: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    return 0


def _database_command(settings: Settings, args: argparse.Namespace) -> int:
    if args.db_command == "migrate":
        make_private(settings)  # an SQLite file it creates is owner-only
        version = asyncio.run(_migrate(settings))
        print(f"{describe_database(settings)}: schema version {version}")
        return 0
    if not settings.database.url:
        print("livesale: db copy needs database.url (the PostgreSQL to copy into)", file=sys.stderr)
        return EXIT_USAGE
    if not args.source.is_file():
        print(f"livesale: no SQLite file at {args.source}", file=sys.stderr)
        return EXIT_USAGE
    try:
        copied = asyncio.run(_copy(settings, args.source))
    except (TargetNotEmpty, RuntimeError, OSError) as exc:
        print(f"livesale: db copy: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    for table, count in copied.items():
        print(f"{table}: {count} rows")
    print(f"copied {sum(copied.values())} rows into {describe_database(settings)}")
    return 0


async def _migrate(settings: Settings) -> int:
    db = await open_database(settings)
    try:
        return await db.user_version()
    finally:
        await db.close()


async def _copy(settings: Settings, source_path: Path) -> dict[str, int]:
    source = await SqliteDatabase.connect(source_path)  # brought up to this version first
    try:
        target = await open_database(settings)
        try:
            return await copy_record(source, target)
        finally:
            await target.close()
    finally:
        await source.close()


def _create_show(settings: Settings, title: str, *, as_json: bool) -> int:
    make_private(settings)  # the SQLite file it may create is owner-only
    try:
        show_id, key = asyncio.run(_insert_show(settings, title))
    except LivesaleError as exc:
        print(f"livesale: {exc.message}", file=sys.stderr)
        return EXIT_USAGE
    urls = show_urls(settings.base_url, show_id)
    host_url = urls.host_url_with_key(key)
    if as_json:
        record = {
            "id": show_id,
            "stream_key": key,
            "whip_url": urls.whip_url,
            "whep_url": urls.whep_url,
            "host_url": host_url,
            "watch_url": urls.watch_url,
        }
        print(json.dumps(record))
        return 0
    print(
        f"Show created: {show_id}\n"
        f"Stream key:   {key}\n"
        "              (shown once: only its hash is stored; keep it secret)\n"
        f"WHIP URL:     {urls.whip_url}   (OBS: Service WHIP, Bearer token = stream key)\n"
        f"WHEP URL:     {urls.whep_url}\n"
        f"Host page:    {host_url}\n"
        f"Watch page:   {urls.watch_url}"
    )
    return 0


async def _insert_show(settings: Settings, title: str) -> tuple[str, str]:
    # The database directly: creating a show needs neither Redis nor a running server.
    db = await open_database(settings)
    try:
        show, key = await ShowRepository(db).create(title)
    finally:
        await db.close()
    return show.id, key
