"""A real `livesale serve` on loopback and the users who reach it over HTTP.

A `Stage` is a real `livesale serve` (supervisor, embedded `redis-server`,
media process, shop processes, an SQLite file) on loopback, in a folder of
its own. An `Actor` is one browser-like HTTP user (its own cookie jar, the
same-origin header on writes). Tests and `scripts/chaos.py` both use them.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
import ssl
import sys
import tempfile
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from tests.support.polling import poll
from tests.support.processes import HOST, alive, children, cmdline, free_port

PASSWORD = "correct horse battery staple"
START_TIMEOUT = 60.0


class Stage:
    """A running `livesale serve` on loopback with its data in a folder of its own."""

    def __init__(self, folder: Path, settings: dict[str, str]) -> None:
        self.folder = folder
        self.port = free_port()
        self.base = f"http://{HOST}:{self.port}"
        self.data_dir = folder / "data"
        self.log = folder / "serve.log"
        self.env = {
            **os.environ,
            "LIVESALE__SERVER__PORT": str(self.port),
            "LIVESALE__SERVER__HOST": HOST,
            "LIVESALE__SERVER__DATA_DIR": str(self.data_dir),
            "LIVESALE__SERVER__SHOP_PROCESSES": "1",
            # Cheap password hashing: the scenarios sign many users up.
            "LIVESALE__AUTH__PASSWORD_TIME_COST": "1",
            "LIVESALE__AUTH__PASSWORD_MEMORY_KIB": "8",
            "LIVESALE__AUTH__PASSWORD_PARALLELISM": "1",
            # Many guests from one address: the scenarios play many people on 127.0.0.1
            # (a scenario about the cost of a guest sets the defaults back).
            "LIVESALE__AUTH__GUEST_CREATIONS_PER_ADDRESS_PER_HOUR": "1000000",
            "LIVESALE__AUTH__GUEST_FREE_CREATIONS_PER_ADDRESS_PER_HOUR": "1000000",
        }
        self.env.pop("CI", None)
        self.env.update({f"LIVESALE__{name.upper()}": value for name, value in settings.items()})
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        """Start `livesale serve` and wait until it prints its URL."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        out_path = self.folder / "serve.out"
        out_path.unlink(missing_ok=True)
        with self.log.open("ab") as log, out_path.open("wb") as out:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "livesale",
                "serve",
                env=self.env,
                cwd=self.folder,
                stdout=out,
                stderr=log,
            )
        announcement = f"livesale is running at {self.base}/"
        process = self.process

        def announced() -> bool:
            if process.returncode is not None:
                raise RuntimeError(f"livesale serve exited: {self.log_text()[-3000:]}")
            return out_path.exists() and announcement in out_path.read_text()

        await poll(announced, START_TIMEOUT, "livesale serve to announce its URL")

    def roles(self) -> dict[str, list[int]]:
        """The supervisor's children by role: redis, media, shop."""
        found: dict[str, list[int]] = {"redis": [], "media": [], "shop": []}
        if self.process is None:
            return found
        for pid in children(self.process.pid):
            command = cmdline(pid)
            if "redis-server" in command:
                found["redis"].append(pid)
            elif "livesale.serve.child media" in command:
                found["media"].append(pid)
            elif "livesale.serve.child shop" in command:
                found["shop"].append(pid)
        return found

    def pids(self) -> list[int]:
        """The supervisor and every child."""
        assert self.process is not None
        return [self.process.pid, *(pid for group in self.roles().values() for pid in group)]

    def log_text(self) -> str:
        """Everything every process logged so far."""
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    async def kill(self, role: str) -> list[int]:
        """SIGKILL the children of `role` (the supervisor starts them again); their pids."""
        pids = self.roles()[role]
        for pid in pids:
            os.kill(pid, signal.SIGKILL)
        await poll(lambda: not any(alive(pid) for pid in pids), 10, f"the {role} to die")
        return pids

    async def kill_all(self) -> None:
        """SIGKILL the supervisor and its children at once, as a power cut would."""
        if self.process is None or self.process.returncode is not None:
            return
        pids = self.pids()
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        await self.process.wait()
        await poll(lambda: not any(alive(pid) for pid in pids), 10, "every process to die")

    async def ready(self, timeout: float = START_TIMEOUT) -> None:
        """Wait until /readyz answers 200 (Redis and SQLite answer)."""

        async def answers() -> bool:
            with contextlib.suppress(aiohttp.ClientError, asyncio.TimeoutError):
                async with (
                    aiohttp.ClientSession() as session,
                    session.get(
                        f"{self.base}/readyz", timeout=aiohttp.ClientTimeout(total=3)
                    ) as response,
                ):
                    return response.status == 200
            return False

        await poll(answers, timeout, "/readyz to answer 200")

    async def stop(self) -> None:
        """SIGINT (Ctrl-C): a clean stop; SIGKILL after the start timeout."""
        process = self.process
        if process is None or process.returncode is not None:
            return
        process.send_signal(signal.SIGINT)
        try:
            await asyncio.wait_for(process.wait(), START_TIMEOUT)
        except TimeoutError:
            await self.kill_all()

    def sqlite_path(self) -> Path:
        """The SQLite file."""
        return self.data_dir / "livesale.sqlite3"

    def redis_socket(self) -> str:
        """The embedded redis-server's unix socket, from the config it was started with."""
        # A long data folder puts the socket in a short temp folder: the config knows.
        conf = (self.data_dir / "redis" / "redis.conf").read_text()
        for line in conf.splitlines():
            if line.startswith("unixsocket "):
                value = line.split(" ", 1)[1]
                # Written quoted, JSON-style (livesale.storage.redis_server).
                return str(json.loads(value)) if value.startswith('"') else value
        raise RuntimeError("the embedded redis-server has no unix socket")

    def redis(self) -> Any:
        """A client of the embedded redis-server (strings, 5 s socket timeout); close it."""
        # Imported here: the flash-sale load generator imports this module and stays light.
        from redis.asyncio import Redis

        return Redis(unix_socket_path=self.redis_socket(), decode_responses=True, socket_timeout=5)


async def variant_levels(running: Stage, variant_id: str) -> tuple[int, int, int]:
    """available, held, sold of a variant, straight from livesale's Redis counters."""
    from livesale.storage.stock_keys import variant_key

    client = running.redis()
    try:
        # Any seller's: the variant id alone names one variant.
        keys = [key async for key in client.scan_iter(match=variant_key("*", variant_id))]
        assert len(keys) <= 1, keys
        values = [None] * 3
        if keys:
            values = await client.hmget(keys[0], ["available", "held", "sold"])
    finally:
        await client.aclose()
    available, held, sold = (int(v or 0) for v in values)
    return available, held, sold


def stripe_settings(
    standin: Any, webhook_secrets: str | None = None, **more: str
) -> dict[str, str]:
    """Settings paying through a Stripe stand-in (the Stage passes them as environment)."""
    # Secrets are environment-only in livesale, which is how a Stage passes every setting.
    return {
        "payments__gateway": "stripe",
        "payments__stripe_api_base": standin.url,
        "payments__stripe_secret_key": standin.api_key,
        "payments__stripe_webhook_secret": webhook_secrets or standin.webhook_secret,
        **more,
    }


@contextlib.asynccontextmanager
async def stage(**settings: str) -> AsyncIterator[Stage]:
    """A started `Stage` in a folder of its own, stopped (and the folder removed) afterwards."""
    # A short path: the embedded redis-server's unix socket lives under it.
    folder = Path(tempfile.mkdtemp(prefix="lschaos-", dir="/tmp"))
    running = Stage(folder, settings)
    try:
        await running.start()
        yield running
    finally:
        await running.stop()
        shutil.rmtree(folder, ignore_errors=True)


class Actor:
    """One user: a cookie jar and JSON calls with the same-origin header a browser sends."""

    def __init__(
        self, base: str, address: str | None = None, tls: ssl.SSLContext | None = None
    ) -> None:
        self.base = base
        # `address`: a loopback address of its own (127.0.0.x), so the server sees
        # another household than the rest of the run. `tls`: the context trusting a
        # test proxy's certificate.
        connector = None
        if address is not None or tls is not None:
            local = None if address is None else (address, 0)
            connector = aiohttp.TCPConnector(local_addr=local, ssl=tls if tls else True)
        self.session = aiohttp.ClientSession(
            cookie_jar=aiohttp.CookieJar(unsafe=True),
            timeout=aiohttp.ClientTimeout(total=30),
            connector=connector,
        )

    async def close(self) -> None:
        """Close the HTTP session."""
        await self.session.close()

    async def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, Any]:
        """One request; the status and the JSON answer (None when it is not JSON)."""
        sent = {"Origin": self.base, **(headers or {})}
        kwargs: dict[str, Any] = {"headers": sent}
        if body is not None:
            kwargs["json"] = body
        async with self.session.request(method, f"{self.base}{path}", **kwargs) as response:
            text = await response.text()
            try:
                return response.status, json.loads(text) if text else None
            except ValueError:
                return response.status, None

    async def expect(self, method: str, path: str, body: Any, status: int) -> Any:
        """A call that must answer `status`; its JSON."""
        got, answer = await self.call(method, path, body)
        if got != status:
            raise RuntimeError(f"{method} {path}: {got} {answer}")
        return answer

    async def sign_up(self, name: str = "Creator") -> dict[str, Any]:
        """Sign up as a creator."""
        email = f"{name.lower()}-{uuid.uuid4().hex[:10]}@example.com"
        body = {"email": email, "password": PASSWORD, "display_name": name}
        answer = await self.expect("POST", "/api/auth/signup", body, 201)
        creator: dict[str, Any] = answer["creator"]
        return creator

    async def become_guest(self, name: str = "Guest") -> dict[str, Any]:
        """Become a guest viewer (a display name, no account)."""
        answer = await self.expect("PUT", "/api/viewer", {"display_name": name}, 200)
        viewer: dict[str, Any] = answer["viewer"]
        return viewer


@dataclass
class Shop:
    """A creator with one product (one variant) in a show."""

    creator: Actor
    show_id: str
    stream_key: str
    product_id: str
    variant_id: str
    # The seller: the tag of the shop's stock keys in Redis.
    creator_id: str


async def open_shop(
    base: str,
    stock: int,
    price_minor: int = 4900,
    currency: str = "EUR",
    tls: ssl.SSLContext | None = None,
) -> Shop:
    """Sign a creator up, add a product of `stock` units and a show that sells it."""
    creator = Actor(base, tls=tls)
    await creator.sign_up()
    body = {
        "title": "Chaos sneaker",
        "description": "One size, limited run.",
        "variants": [
            {
                "sku": f"CHAOS-{uuid.uuid4().hex[:8]}",
                "name": "One size",
                "price_minor": price_minor,
                "currency": currency,
                "stock": stock,
            }
        ],
    }
    product = (await creator.expect("POST", "/api/products", body, 201))["product"]
    show = await creator.expect(
        "POST", "/api/shows", {"title": "Chaos show", "product_ids": [product["id"]]}, 201
    )
    return Shop(
        creator,
        show["show"]["id"],
        show["stream_key"],
        product["id"],
        product["variants"][0]["id"],
        product["creator_id"],
    )
