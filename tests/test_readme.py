"""The README stays true: every error code and every setting is documented."""

from __future__ import annotations

import dataclasses
import inspect
from pathlib import Path

from livesale.config import Settings
from livesale.domain import errors

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def test_every_error_code_is_in_the_readme() -> None:
    codes = {
        cls.code
        for _name, cls in inspect.getmembers(errors, inspect.isclass)
        if issubclass(cls, errors.LivesaleError)
    }
    missing = sorted(code for code in codes if f"`{code}`" not in README)
    assert not missing, f"error codes missing from README.md: {missing}"


def test_every_validation_reason_is_in_the_readme() -> None:
    missing = sorted(r for r in errors.FIELD_REASONS if f"| `{r}` |" not in README)
    assert not missing, f"validation reasons missing from README.md: {missing}"


def test_every_setting_is_in_the_readme() -> None:
    missing = []
    defaults = Settings()
    for section in dataclasses.fields(Settings):
        rows = [line for line in README.splitlines() if line.startswith(f"| {section.name} |")]
        for key in dataclasses.fields(getattr(defaults, section.name)):
            if not any(key.name in row for row in rows):
                missing.append(f"{section.name}.{key.name}")
    assert not missing, f"settings missing from README.md's configuration table: {missing}"
