"""Who counts as a viewer: people, not sockets, and at most a few per address.

A socket costs nothing, so a show's public viewer count and its analytics
count people: a person is an audience key (the browser's visitor id, else
the guest, else the one connection) and each address (IPv6 cut to its /64)
counts as at most `room.max_counted_viewers_per_address` people at once. A
person past that cap still watches, uncounted; when a counted person of the
address leaves, the longest-waiting uncounted one takes the place. Watch
sessions (analytics) open and close with a person's counting, so the
viewer count and the analytics agree. An address also holds at most
`room.max_connections_per_address` connections. Both caps hold per process;
the show's creator never counts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from livesale import metrics
from livesale.storage.activity import ActivityRecorder

PersonKey = tuple[str, bool]  # (audience key, replay)


@dataclass
class _Person:
    """One person watching a show from an address, over one or more connections."""

    viewer_id: str | None
    connections: int = 0
    session: str | None = None  # the open watch session while the person is counted


@dataclass
class _Address:
    """The people of one address in one show, in order of arrival."""

    people: dict[PersonKey, _Person] = field(default_factory=dict)
    counted: int = 0


class Crowd:
    """This process's viewers per show and address, their counting and their watch sessions."""

    def __init__(self, activity: ActivityRecorder, max_connections: int, max_counted: int) -> None:
        self._activity = activity
        self._max_connections = max_connections
        self._max_counted = max_counted
        self._connections: dict[str, int] = {}  # address -> open viewer connections
        self._shows: dict[str, dict[str, _Address]] = {}
        self._counted: dict[str, int] = {}  # show -> counted people

    def open(self, address: str) -> bool:
        """Take a connection slot of the address; False (nothing taken) when it has none left."""
        held = self._connections.get(address, 0)
        if held >= self._max_connections:
            metrics.ROOM_ADDRESS_LIMITED.labels("connections").inc()
            return False
        self._connections[address] = held + 1
        return True

    def close(self, address: str) -> None:
        """Give back a connection slot taken by `open`."""
        held = self._connections.get(address, 0) - 1
        if held > 0:
            self._connections[address] = held
        else:
            self._connections.pop(address, None)

    def join(self, show_id: str, address: str, person: PersonKey, viewer_id: str | None) -> None:
        """A connection of `person` joined the show from `address`."""
        place = self._shows.setdefault(show_id, {}).setdefault(address, _Address())
        someone = place.people.get(person)
        if someone is None:
            someone = place.people[person] = _Person(viewer_id)
            if place.counted < self._max_counted:
                self._count(show_id, place, person, someone)
            else:
                metrics.ROOM_ADDRESS_LIMITED.labels("counted_viewers").inc()
        someone.connections += 1

    def leave(self, show_id: str, address: str, person: PersonKey) -> None:
        """A connection of `person` left; the person leaves with its last connection."""
        addresses = self._shows.get(show_id, {})
        place = addresses.get(address)
        someone = None if place is None else place.people.get(person)
        if place is None or someone is None:
            return
        someone.connections -= 1
        if someone.connections > 0:
            return
        del place.people[person]
        if someone.session is not None:
            self._activity.session_ended(someone.session)
            place.counted -= 1
            self._counted[show_id] -= 1
            waiting = next(((k, p) for k, p in place.people.items() if p.session is None), None)
            if waiting is not None:
                self._count(show_id, place, *waiting)
        if not place.people:
            del addresses[address]
        if not addresses:
            self._shows.pop(show_id, None)
            self._counted.pop(show_id, None)

    def viewer_count(self, show_id: str) -> int:
        """People counted among the show's viewers in this process."""
        return self._counted.get(show_id, 0)

    def counts(self) -> dict[str, int]:
        """Counted people of every show with viewers in this process."""
        return dict(self._counted)

    def _count(self, show_id: str, place: _Address, person: PersonKey, someone: _Person) -> None:
        audience_key, replay = person
        someone.session = self._activity.session_started(
            show_id, audience_key, replay=replay, viewer_id=someone.viewer_id
        )
        place.counted += 1
        self._counted[show_id] = self._counted.get(show_id, 0) + 1
