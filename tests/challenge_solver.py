"""Solving a server's proof-of-work challenge in tests as a browser does: by trying counters."""

from __future__ import annotations

import base64
import json
from typing import Any

import altcha


def solve(challenge: dict[str, Any]) -> str:
    """The payload (base64 JSON) proving `challenge` (ALTCHA's JSON as served) was solved."""
    parsed = altcha.Challenge.from_dict(challenge)
    solution = altcha.solve_challenge(parsed, timeout=60.0)
    assert solution is not None, "the challenge was not solved within 60 s"
    payload = {"challenge": challenge, "solution": solution.to_dict()}
    return base64.b64encode(json.dumps(payload).encode()).decode()
