"""Search queries people could type to break a query language: operators, quotes, control
characters and very long text (each must match as words or find nothing)."""

from __future__ import annotations

HOSTILE = [
    '"',
    '""',
    "*",
    "NEAR(",
    "NEAR(lipstick red, 2)",
    "-",
    "-lipstick",
    "lipstick OR",
    "AND OR NOT",
    "title:lipstick",
    "{title}: x",
    "^lip",
    "lip'stick",
    "\\",
    "'&|!():*<->",
    "口红\x00",
    "\u202e\u200b",
    "x" * 5000,
    "口红 " * 500,
]
