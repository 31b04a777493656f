"""In a creator's room nobody else may chat under a name that looks like theirs."""

from __future__ import annotations

from livesale.domain.chat import Participant, Role
from livesale.domain.errors import ChatNameReserved
from livesale.domain.text_safety import name_key
from livesale.storage.creator_names import CreatorNames
from livesale.storage.ttl_cache import TtlCache

# Creators' names are read once a minute per creator, not once per message.
NAME_CACHE_SECONDS = 60.0


class CreatorNameGuard:
    """Refuses chat from anyone but the creator whose name folds like the creator's."""

    def __init__(self, names: CreatorNames) -> None:
        self._names = names
        self._keys: TtlCache[str, str | None] = TtlCache(NAME_CACHE_SECONDS)

    async def check(self, creator_id: str | None, who: Participant) -> None:
        """Raise ChatNameReserved if `who` is not the creator but their name looks like it.

        Names are compared by `text_safety.name_key` (NFKC, case, invisible
        characters, TR39 confusables), so "Alice" with a Cyrillic "a", in
        fullwidth letters or with a zero-width space is the creator's "Alice".
        """
        if creator_id is None or who.role is Role.CREATOR or who.display_name is None:
            return
        creator_key = await self._keys.get(creator_id, lambda: self._load(creator_id))
        if creator_key is not None and name_key(who.display_name) == creator_key:
            raise ChatNameReserved(
                "your display name looks like the show's creator's: choose another to chat"
            )

    async def _load(self, creator_id: str) -> str | None:
        name = await self._names.get(creator_id)
        return None if name is None else name_key(name)
