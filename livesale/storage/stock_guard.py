"""The guard that keeps holds off stock counters not yet checked on this Redis server."""

from __future__ import annotations

# Prepended to the hold script: its last ARGV is the run ids (comma-separated)
# of the Redis servers whose counters the caller knows were checked against the
# record; one id on a single Redis, one per master on a Cluster (the script runs
# on the master that owns the seller's slot and finds its own id). A server that
# restarted (an AOF cut short) or a replica that took over has another run id,
# so the hold is refused before it reads a counter that may be stale.
RUN_GUARD_LUA = """
local run = string.match(redis.call('INFO', 'server'), 'run_id:(%x+)')
if not string.find(',' .. ARGV[#ARGV] .. ',', ',' .. run .. ',', 1, true) then
  return {'unchecked', run}
end
"""


class CountersUnchecked(Exception):
    """The Redis server answering is not the one whose counters were checked."""

    def __init__(self, run_id: str) -> None:
        super().__init__(f"stock counters not checked on redis run {run_id}")
        self.run_id = run_id
