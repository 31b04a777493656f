"""The layer rules of livesale/ (pyproject.toml, [tool.importlinter]): kept, biting, documented.

Each broken case copies the package, adds one import a rule forbids and runs
the real `lint-imports` over the copy: the check must fail, naming that rule.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

LAYERS = "Layers, top to bottom"
DOMAIN = "domain imports nothing of ours"
STORAGE = "storage never imports live, shop, media or web"
APART = "live, shop and media never import each other"
WEB_ON_TOP = "nothing below web/ imports web/ or app.py"
ONE_ROOT = "only the composition root opens the record and Redis"
ACYCLIC = "No import circle anywhere in livesale/"


def lint_imports(project: Path) -> subprocess.CompletedProcess[str]:
    """Run `lint-imports` on the livesale package and pyproject.toml found in `project`."""
    # The copy comes first on the path, ahead of the editable install of the real one.
    env = {**os.environ, "PYTHONPATH": str(project)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def assert_broken(result: subprocess.CompletedProcess[str], rules: set[str]) -> None:
    """The check failed, and its summary calls exactly the contracts named by `rules` BROKEN."""
    assert result.returncode != 0, result.stdout + result.stderr
    broken = [
        line.removesuffix(" BROKEN")
        for line in result.stdout.splitlines()
        if line.endswith(" BROKEN")
    ]
    named = {rule for rule in rules for name in broken if name.startswith(rule)}
    assert named == rules, result.stdout
    assert len(broken) == len(rules), result.stdout


def test_the_package_keeps_every_layer_rule() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 7 kept, 0 broken." in result.stdout


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """A copy of the package and its pyproject.toml, free to break."""
    shutil.copytree(
        ROOT / "livesale", tmp_path / "livesale", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def add_line(project: Path, module: str, line: str) -> None:
    """Append `line` to `module` (a path under livesale/)."""
    path = project / "livesale" / module
    path.write_text(path.read_text(encoding="utf-8") + line + "\n", encoding="utf-8")


@pytest.mark.parametrize(
    ("module", "line", "rules"),
    [
        pytest.param("domain/money.py", "import livesale.config", {LAYERS, DOMAIN}, id="domain"),
        pytest.param(
            "storage/shows.py",
            "from livesale.live import presence",
            # The shop uses storage.shows: through it, the shop would reach live/ too.
            {LAYERS, STORAGE, APART, ACYCLIC},
            id="storage-up",
        ),
        pytest.param(
            "live/pins.py", "import livesale.shop.catalogue", {LAYERS, APART}, id="live-shop"
        ),
        pytest.param(
            "media/broadcast.py",
            "from livesale.web import urls",
            {LAYERS, WEB_ON_TOP, ACYCLIC},
            id="media-web",
        ),
        # A handler opening a database of its own instead of using the one it is given.
        pytest.param(
            "web/health.py",
            "from livesale.storage.engines import open_database",
            {ONE_ROOT},
            id="second-root",
        ),
        # The circle this check was brought in to break: process tuning built the app.
        pytest.param(
            "process_tuning.py",
            "from livesale.app import create_app",
            # media/ imports process tuning: through the app, it would reach live/ and shop/,
            # and the composition root.
            {LAYERS, WEB_ON_TOP, APART, ONE_ROOT, ACYCLIC},
            id="old-circle",
        ),
        # Imports for type checking alone are dependencies too.
        pytest.param(
            "logging_setup.py",
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
            "    from livesale.web.on_air import OnAir",
            {LAYERS, WEB_ON_TOP, ACYCLIC},
            id="type-only",
        ),
    ],
)
def test_a_forbidden_import_fails_the_check(
    copy: Path, module: str, line: str, rules: set[str]
) -> None:
    add_line(copy, module, line)
    assert_broken(lint_imports(copy), rules)


def test_a_circle_inside_one_layer_fails_the_check(copy: Path) -> None:
    # media.service reaches media.rtp_header (through the forwarder): importing it back
    # from there is a circle inside one package, which no layer rule would see.
    add_line(copy, "media/rtp_header.py", "from livesale.media import service")
    assert_broken(lint_imports(copy), {ACYCLIC})


def test_a_module_without_a_layer_fails_the_check(copy: Path) -> None:
    (copy / "livesale" / "helpers.py").write_text('"""Nowhere yet."""\n', encoding="utf-8")
    result = lint_imports(copy)
    assert_broken(result, {LAYERS})
    assert "livesale.helpers" in result.stdout


def checked_layers() -> list[set[str]]:
    """The layers of the `layers` contract in pyproject.toml, top to bottom."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    (layers,) = (contract["layers"] for contract in contracts if contract["id"] == "layers")
    return [{part.strip() for part in re.split(r"[|:]", layer)} for layer in layers]


def documented_layers() -> list[set[str]]:
    """The first column of docs/architecture.md's layer table, as module names."""
    page = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    section = page.split("\n## Layers\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    # An escaped pipe (`live/` \| `shop/`) separates the independent parts of one layer.
    cells = [row.replace("\\|", " ").split("|")[1] for row in rows]
    return [
        {name.removesuffix("/").removesuffix(".py") for name in re.findall(r"`([^`]+)`", cell)}
        for cell in cells
    ]


def test_the_architecture_page_shows_the_layers_that_are_checked() -> None:
    assert documented_layers() == checked_layers()
