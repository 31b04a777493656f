"""HTTP request durations are counted by route pattern and status, not by concrete path."""

from __future__ import annotations

from tests.support.clients import Client


def _count(text: str, route: str, method: str, status: str) -> float:
    series = (
        f'livesale_http_request_duration_seconds_count{{method="{method}",'
        f'route="{route}",status="{status}"}}'
    )
    line = next((ln for ln in text.splitlines() if ln.startswith(series + " ")), None)
    return 0.0 if line is None else float(line.split()[-1])


async def test_requests_are_timed_by_route_pattern_and_status(app_client: Client) -> None:
    before = await (await app_client.get("/metrics")).text()
    for show_id in ("a1", "b2", "c3"):
        response = await app_client.get(f"/api/shows/{show_id}")
        assert response.status == 404
    assert (await app_client.get("/healthz")).status == 200
    assert (await app_client.get("/no/such/page")).status == 404
    assert (await app_client.request("TRACE", "/healthz")).status == 405
    after = await (await app_client.get("/metrics")).text()
    assert "/api/shows/a1" not in after  # concrete paths never become labels
    assert 'method="TRACE"' not in after  # nor made-up methods
    assert (
        _count(after, "unmatched", "other", "405") - _count(before, "unmatched", "other", "405")
        == 1
    )
    for route, status, grew in [
        ("/api/shows/{show_id}", "404", 3),
        ("/healthz", "200", 1),
        ("unmatched", "404", 1),
    ]:
        assert _count(after, route, "GET", status) - _count(before, route, "GET", status) == grew
