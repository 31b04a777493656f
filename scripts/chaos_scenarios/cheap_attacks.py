"""Scenarios 14 and 15: the sign-up and image floods, while a real creator logs in and uploads.

14. "sign-up flood": with the default Argon2 cost, one address sends 32
   sign-ups at once (only `auth.signups_per_address` may pass), then many
   addresses keep 32 sign-ups in flight (no address near its limit, so only
   the split hashing slots protect the login) while the real owner logs in
   again and again. Figure: the owner's login latency without and during.
15. "image flood": four creators upload 3 KB PNGs of 5000x5000 1-bit
   pixels, 8 at once each, round after round, while a real creator uploads
   a photo. It is never refused and waits at most for the line ahead of it
   (two images per account and the one decoding). Figures: the real
   upload's latency without and during, the shop process's memory before,
   at its peak and after.
"""

from __future__ import annotations

import asyncio
import io
import statistics
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from PIL import Image

from .harness import Actor, Outcome, Run, Scenario, Stage, poll, rss_bytes, stage

MIB = 1024 * 1024
# The owner's login may be this much slower during the flood than without it, plus slack
# for a shared CPU: the flood's hashing thread competes for the cores, not for a slot.
LOGIN_SLOWDOWN_ALLOWED = 3.0
LOGIN_SLACK_SECONDS = 0.5
SIGN_UPS_AT_ONCE = 32
# The shop process may hold this much more memory at the image flood's peak, and after it.
PEAK_GROWTH_ALLOWED = 96 * MIB
KEPT_GROWTH_ALLOWED = 32 * MIB
# Images of one account decoding or waiting at once (livesale.storage.images).
PER_ACCOUNT_IN_LINE = 2
BOMBING_ACCOUNTS = 4
# A real upload may wait for the line ahead of it: every bombing account's images in line
# and the one decoding, each as long as a bomb takes alone, with this margin and slack.
LINE_MARGIN = 1.5
UPLOAD_SLACK_SECONDS = 0.5


def _seconds(values: list[float]) -> str:
    return f"p50 {statistics.median(values):.2f} s / max {max(values):.2f} s"


async def _timed(call: Callable[[], Awaitable[Any]]) -> float:
    started = time.monotonic()
    await call()
    return time.monotonic() - started


# -- 14. sign-up flood ----------------------------------------------------------------


async def _sign_up_from(actor: Actor, number: int, address: str) -> int:
    body = {
        "email": f"flood{number}@example.com",
        "password": "correct horse battery staple",
        "display_name": f"Flood {number}",
    }
    status, _ = await actor.call(
        "POST", "/api/auth/signup", body, headers={"X-Forwarded-For": address}
    )
    return status


async def sign_up_flood(run: Run) -> Outcome:
    """A real login's latency while sign-ups flood in; one address meets its limit."""
    outcome = Outcome(0, 0, "-")
    logins = run.size(12, 4)
    async with stage(
        # The default Argon2 cost (the harness makes hashing cheap for other scenarios).
        auth__password_time_cost="3",
        auth__password_memory_kib="65536",
        # The flood comes from many addresses, named by the proxy in front (the client).
        server__trusted_proxies='["127.0.0.1"]',
        payments__gateway="dummy",
    ) as running:
        owner, flooder = Actor(running.base), Actor(running.base)
        try:
            creator = await owner.sign_up("Owner")

            async def login() -> None:
                body = {"email": creator["email"], "password": "correct horse battery staple"}
                status, answer = await owner.call(
                    "POST", "/api/auth/login", body, headers={"X-Forwarded-For": "192.0.2.10"}
                )
                outcome.iterations += 1
                if status != 200:
                    outcome.fail(f"the owner's login answered {status}: {answer}")

            before = [await _timed(login) for _ in range(logins)]

            # The exact flood: 32 sign-ups at once from one address.
            one_address = Counter(
                await asyncio.gather(
                    *(_sign_up_from(flooder, n, "203.0.113.50") for n in range(SIGN_UPS_AT_ONCE))
                )
            )
            outcome.iterations += SIGN_UPS_AT_ONCE
            if one_address[201] > 10 or set(one_address) - {201, 429}:
                outcome.fail(f"one address's 32 sign-ups: {dict(one_address)}")

            # Then 32 in flight at all times, each from an address of its own.
            stop = asyncio.Event()
            accepted = Counter[int]()
            numbers = iter(range(1000, 1_000_000))

            async def keep_signing_up() -> None:
                while not stop.is_set():
                    number = next(numbers)
                    address = f"198.18.{number // 250 % 250}.{number % 250 + 1}"
                    accepted[await _sign_up_from(flooder, number, address)] += 1

            flood = [asyncio.create_task(keep_signing_up()) for _ in range(SIGN_UPS_AT_ONCE)]
            # Measured once the flood has filled its hashing slot and its line.
            await poll(lambda: sum(accepted.values()) >= 2, 60, "the flood to get going")
            during = [await _timed(login) for _ in range(logins)]
            stop.set()
            await asyncio.gather(*flood)
            outcome.iterations += sum(accepted.values())
        finally:
            await owner.close()
            await flooder.close()
    budget = max(before) * LOGIN_SLOWDOWN_ALLOWED + LOGIN_SLACK_SECONDS
    if max(during) > budget:
        outcome.fail(f"a login took {max(during):.2f} s during the flood (budget {budget:.2f} s)")
    outcome.figure = (
        f"login {_seconds(before)} without, {_seconds(during)} during {SIGN_UPS_AT_ONCE} "
        f"sign-ups in flight ({accepted[201]} done, Argon2 64 MiB x3); one address's "
        f"{SIGN_UPS_AT_ONCE} at once: {one_address[201]} accepted, {one_address[429]} 429"
    )
    return outcome


# -- 15. image flood --------------------------------------------------------------------


def _bomb() -> bytes:
    """The exact file: a ~3 KB PNG of 5000x5000 1-bit pixels."""
    buffer = io.BytesIO()
    Image.new("1", (5000, 5000), 0).save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def _photo(seed: int) -> bytes:
    """A real-looking product photo: 1600x1200, noisy enough to weigh ~1 MB as a JPEG."""
    noise = Image.effect_noise((1600, 1200), 40 + seed % 20).convert("RGB")
    buffer = io.BytesIO()
    noise.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


async def _upload(actor: Actor, data: bytes, content_type: str) -> int:
    headers = {"Origin": actor.base, "Content-Type": content_type}
    # A file object: aiohttp warns that a megabyte of bytes in one piece holds its loop.
    body = io.BytesIO(data)
    async with actor.session.post(f"{actor.base}/api/images", data=body, headers=headers) as r:
        await r.read()
        return r.status


def _shop_pid(running: Stage) -> int:
    return running.roles()["shop"][0]


async def image_flood(run: Run) -> Outcome:
    """A real upload's latency and the shop's memory while 1-bit bombs arrive 8 at once."""
    outcome = Outcome(0, 0, "-")
    uploads = run.size(8, 3)
    bomb = _bomb()
    async with stage() as running:
        creator = Actor(running.base)
        attackers = [Actor(running.base) for _ in range(BOMBING_ACCOUNTS)]
        try:
            await creator.sign_up("Maker")
            for attacker in attackers:
                await attacker.sign_up("Bomber")
            pid = _shop_pid(running)
            photos = [_photo(n) for n in range(uploads)]

            async def real_upload(photo: bytes) -> None:
                status = await _upload(creator, photo, "image/jpeg")
                outcome.iterations += 1
                if status != 201:
                    outcome.fail(f"the real creator's upload answered {status}")

            before = [await _timed(partial(real_upload, p)) for p in photos]
            # How long one bomb takes alone: the unit of the line a real upload may wait for.
            alone = [await _timed(partial(_upload, attackers[0], bomb, "image/png"))]
            alone += [await _timed(partial(_upload, attackers[0], bomb, "image/png"))]
            rss_before = peak = rss_bytes(pid)

            stop = asyncio.Event()
            bombs = Counter[int]()

            async def keep_bombing(attacker: Actor) -> None:
                while not stop.is_set():
                    # 8 at once from each account: two are taken, the rest refused.
                    statuses = await asyncio.gather(
                        *(_upload(attacker, bomb, "image/png") for _ in range(8))
                    )
                    bombs.update(statuses)

            flood = [asyncio.create_task(keep_bombing(a)) for a in attackers]

            async def watch_memory() -> None:
                nonlocal peak
                while not stop.is_set():
                    peak = max(peak, rss_bytes(pid))
                    await asyncio.sleep(0.02)  # a sampling pace, not synchronisation

            sampler = asyncio.create_task(watch_memory())
            await poll(lambda: bombs[201] >= 4, 60, "the bombs to be decoded")
            during = [await _timed(partial(real_upload, p)) for p in photos]
            stop.set()
            await asyncio.gather(*flood, sampler)
            outcome.iterations += sum(bombs.values())
            if set(bombs) - {201, 429}:
                outcome.fail(f"bombs answered {dict(bombs)}")
            # Memory handed back after the last decode (it is, at once, with glibc).
            rss_after = rss_bytes(pid)
        finally:
            await creator.close()
            for attacker in attackers:
                await attacker.close()
    if peak - rss_before > PEAK_GROWTH_ALLOWED:
        outcome.fail(f"the shop process grew {(peak - rss_before) / MIB:.0f} MiB at the peak")
    if rss_after - rss_before > KEPT_GROWTH_ALLOWED:
        outcome.fail(f"the shop process kept {(rss_after - rss_before) / MIB:.0f} MiB")
    line = BOMBING_ACCOUNTS * PER_ACCOUNT_IN_LINE + 1
    budget = max(before) + line * max(alone) * LINE_MARGIN + UPLOAD_SLACK_SECONDS
    if max(during) > budget:
        outcome.fail(f"an upload took {max(during):.2f} s during the flood (budget {budget:.2f} s)")
    outcome.figure = (
        f"photo upload (1600x1200 JPEG) {_seconds(before)} without, {_seconds(during)} during "
        f"(a bomb alone {max(alone):.2f} s, at most {line} in line ahead); "
        f"{sum(bombs.values())} bombs of {len(bomb) / 1024:.0f} KB / 25 Mpx, 8 at once per "
        f"account: {bombs[201]} decoded, {bombs[429]} 429; shop RSS "
        f"{rss_before / MIB:.0f} -> peak {peak / MIB:.0f} -> {rss_after / MIB:.0f} MiB"
    )
    return outcome


SCENARIOS = [
    Scenario(
        14,
        "sign-up flood",
        "one address: at most auth.signups_per_address of 32; a real login during 32 "
        "sign-ups in flight within 3x its time without",
        sign_up_flood,
        240.0,
    ),
    Scenario(
        15,
        "image flood",
        "3 KB 25-Mpx bombs 8 at once from 4 accounts: shop RSS bounded and given back; a "
        "real upload never refused, waiting at most for the line ahead (2 per account)",
        image_flood,
        240.0,
    ),
]
