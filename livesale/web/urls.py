"""The public URLs of a show, built from the configured base URL."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ShowUrls:
    """Where a show is published, played and watched."""

    whip_url: str
    whep_url: str
    watch_url: str
    host_url: str

    def host_url_with_key(self, stream_key: str) -> str:
        """The host page with the key in the fragment, which browsers never send to servers."""
        return f"{self.host_url}#key={stream_key}"


def show_urls(base_url: str, show_id: str) -> ShowUrls:
    """URLs of `show_id` under `base_url` (no trailing slash)."""
    return ShowUrls(
        whip_url=f"{base_url}/whip/{show_id}",
        whep_url=f"{base_url}/whep/{show_id}",
        watch_url=f"{base_url}/watch/{show_id}",
        host_url=f"{base_url}/host/{show_id}",
    )
