"""The shipped nginx config (scripts/ops/nginx/livesale.conf), run by a real nginx on loopback.

Only what a test machine must change is changed: the certificate paths, and for a
running proxy the listen addresses and the upstream nodes. Every replaced line must
be found, so an edit of the shipped file that the tests no longer cover fails here.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import ipaddress
import os
import shutil
import signal
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.support.polling import poll
from tests.support.processes import HOST, free_port

SHIPPED = Path(__file__).resolve().parents[2] / "scripts" / "ops" / "nginx" / "livesale.conf"
SHIPPED_CERT = "/etc/letsencrypt/live/shop.example/fullchain.pem"
SHIPPED_KEY = "/etc/letsencrypt/live/shop.example/privkey.pem"
SHIPPED_NODES = ("10.0.0.11:8080", "10.0.0.12:8080")
START_SECONDS = 15.0


def binary() -> str:
    """nginx's path; missing is a failure, never a skip."""
    path = shutil.which("nginx") or "/usr/sbin/nginx"
    assert Path(path).exists(), "nginx is not installed: apt-get install nginx"
    return path


@dataclass(frozen=True)
class Certificate:
    """A self-signed certificate for 127.0.0.1 and its key, as PEM files."""

    cert: Path
    key: Path


def self_signed(folder: Path) -> Certificate:
    """A fresh self-signed certificate for the loopback address (a client trusts `cert`)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "livesale test proxy")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address(HOST)), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder.mkdir(parents=True, exist_ok=True)
    paths = Certificate(folder / "proxy.crt", folder / "proxy.key")
    paths.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths.key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    paths.key.chmod(0o600)
    return paths


def _replace(text: str, old: str, new: str) -> str:
    assert old in text, f"the shipped nginx config no longer has {old!r}"
    return text.replace(old, new)


def with_certificate(text: str, certificate: Certificate) -> str:
    """The shipped site with the test's certificate files."""
    text = _replace(text, SHIPPED_CERT, str(certificate.cert))
    return _replace(text, SHIPPED_KEY, str(certificate.key))


def on_loopback(text: str, nodes: Sequence[str], https_port: int, http_port: int) -> str:
    """The shipped site listening on loopback test ports, proxying to `nodes` (host:port)."""
    text = _replace(text, "    listen 80;\n", f"    listen {HOST}:{http_port};\n")
    text = _replace(text, "    listen [::]:80;\n", "")
    text = _replace(
        text, "    listen 443 ssl http2;\n", f"    listen {HOST}:{https_port} ssl http2;\n"
    )
    text = _replace(text, "    listen [::]:443 ssl http2;\n", "")
    first, second = SHIPPED_NODES
    lines: list[str] = []
    for line in text.splitlines(keepends=True):
        if f"server {first} " in line:
            # One line per test node in place of the first shipped node; the second goes.
            lines.extend(line.replace(first, node) for node in nodes)
        elif f"server {second} " not in line:
            lines.append(line)
    return "".join(lines)


def main_config(folder: Path, site: Path) -> str:
    """An nginx.conf that runs in the foreground with every file under `folder`."""
    # As root the workers would switch to www-data, which cannot enter a private temp folder.
    user = "user root root;\n" if os.geteuid() == 0 else ""
    return (
        f"{user}daemon off;\n"
        "worker_processes 1;\n"
        f"pid {folder}/nginx.pid;\n"
        f"error_log {folder}/error.log info;\n"
        "events { worker_connections 1024; }\n"
        "http {\n"
        # Which node answered each request: the test reads it to see both nodes served.
        "    log_format upstream '$remote_addr $request_method $uri $status $upstream_addr';\n"
        f"    access_log {folder}/access.log upstream;\n"
        f"    client_body_temp_path {folder}/client_body;\n"
        f"    proxy_temp_path {folder}/proxy;\n"
        f"    include {site};\n"
        "}\n"
    )


def write_config(folder: Path, site_text: str) -> Path:
    """The site and its nginx.conf in `folder`; the nginx.conf's path."""
    folder.mkdir(parents=True, exist_ok=True)
    site = folder / "livesale.conf"
    site.write_text(site_text)
    conf = folder / "nginx.conf"
    conf.write_text(main_config(folder, site))
    return conf


async def check(conf: Path) -> tuple[int, str]:
    """`nginx -t` on a config: its exit status and what it printed."""
    folder = conf.parent
    process = await asyncio.create_subprocess_exec(
        binary(), "-t", "-p", str(folder), "-c", str(conf), "-e", str(folder / "error.log"),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    output, _ = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode is not None
    return process.returncode, output.decode()


@dataclass
class Proxy:
    """A running nginx in front of the nodes."""

    base: str
    folder: Path
    certificate: Certificate

    def access_log(self) -> list[str]:
        """Every request so far: address, method, path, status, the node that answered."""
        path = self.folder / "access.log"
        return path.read_text().splitlines() if path.exists() else []


@contextlib.asynccontextmanager
async def running_nginx(folder: Path, nodes: Sequence[str]) -> AsyncIterator[Proxy]:
    """The shipped config in a real nginx on loopback (TLS with a fresh certificate)."""
    certificate = self_signed(folder / "tls")
    https_port, http_port = free_port(), free_port()
    site = on_loopback(
        with_certificate(SHIPPED.read_text(), certificate), nodes, https_port, http_port
    )
    conf = write_config(folder, site)
    status, output = await check(conf)
    assert status == 0, output
    process = await asyncio.create_subprocess_exec(
        binary(), "-p", str(folder), "-c", str(conf), "-e", str(folder / "error.log"),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip

    async def listening() -> bool:
        if process.returncode is not None:
            raise RuntimeError((folder / "error.log").read_text(errors="replace"))
        try:
            _, writer = await asyncio.open_connection(HOST, https_port)
        except OSError:
            return False
        writer.close()
        await writer.wait_closed()
        return True

    try:
        await poll(listening, START_SECONDS, "nginx to listen")
        yield Proxy(f"https://{HOST}:{https_port}", folder, certificate)
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGQUIT)  # a graceful stop
            try:
                await asyncio.wait_for(process.wait(), 10)
            except TimeoutError:
                process.kill()
                await process.wait()
