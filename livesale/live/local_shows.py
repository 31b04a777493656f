"""This process's shows with open room connections: one fan-out each.

Shared by the room (which opens and closes them), the bus (events heard from
Redis), and presence and likes (counts pushed to this process's viewers only).
"""

from __future__ import annotations

from livesale.live.crowd import Crowd
from livesale.live.fanout import ShowFanout


class LocalShows:
    """The fan-outs of the shows this process has connections for."""

    def __init__(self, crowd: Crowd) -> None:
        self._crowd = crowd
        self.fanouts: dict[str, ShowFanout] = {}

    def push_from_bus(self, show_id: str, raw: str) -> None:
        """Queue an event heard on the bus for the show's connections here."""
        fanout = self.fanouts.get(show_id)
        if fanout is not None:
            fanout.push(raw)

    def push_local(self, show_id: str, raw: str) -> None:
        """Queue an event for the show's connections in this process only."""
        fanout = self.fanouts.get(show_id)
        if fanout is not None:
            fanout.push(raw, from_bus=False)

    def viewer_counts(self) -> dict[str, int]:
        """Counted viewers of each show in this process."""
        return {show_id: self._crowd.viewer_count(show_id) for show_id in self.fanouts}
