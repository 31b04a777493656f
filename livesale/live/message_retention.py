"""Direct-message retention: messages older than `messages.retention_days` are deleted."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from livesale import metrics
from livesale.storage.messages import MessageRepository

logger = logging.getLogger(__name__)

SECONDS_PER_DAY = 86_400.0
# Deleting is cheap and the promise is in days: once an hour is plenty.
MESSAGE_RETENTION_INTERVAL_SECONDS = 3600.0


class MessageRetention:
    """Deletes expired direct messages; one process runs it at a time (a lease)."""

    def __init__(
        self, repo: MessageRepository, retention_days: float, clock: Callable[[], float] = time.time
    ) -> None:
        self._repo = repo
        self._keep_seconds = retention_days * SECONDS_PER_DAY
        self._clock = clock

    @property
    def enabled(self) -> bool:
        """Whether messages expire at all (`retention_days` = 0 keeps them)."""
        return self._keep_seconds > 0

    async def apply(self) -> int:
        """Delete the messages older than the retention period; how many went."""
        if not self.enabled:
            return 0
        deleted = await self._repo.delete_older_than(self._clock() - self._keep_seconds)
        if deleted:
            metrics.DIRECT_MESSAGES_EXPIRED.inc(deleted)
            logger.info("message retention deleted %d direct messages", deleted)
        return deleted
