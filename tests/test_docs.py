"""The docs stay true: every code, setting, metric and package documented, every link resolves."""

from __future__ import annotations

import dataclasses
import inspect
import re
from pathlib import Path

from prometheus_client.metrics import MetricWrapperBase

from livesale import metrics
from livesale.config import Settings
from livesale.domain import errors

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def _page(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


def test_every_error_code_is_in_the_api_page() -> None:
    api = _page("api.md")
    codes = {
        cls.code
        for _name, cls in inspect.getmembers(errors, inspect.isclass)
        if issubclass(cls, errors.LivesaleError)
    }
    missing = sorted(code for code in codes if f"`{code}`" not in api)
    assert not missing, f"error codes missing from docs/api.md: {missing}"


def test_every_validation_reason_is_in_the_api_page() -> None:
    api = _page("api.md")
    missing = sorted(r for r in errors.FIELD_REASONS if f"| `{r}` |" not in api)
    assert not missing, f"validation reasons missing from docs/api.md: {missing}"


def test_every_setting_is_in_the_configuration_page() -> None:
    table = _page("configuration.md").splitlines()
    missing = []
    defaults = Settings()
    for section in dataclasses.fields(Settings):
        rows = [line for line in table if line.startswith(f"| {section.name} |")]
        for key in dataclasses.fields(getattr(defaults, section.name)):
            if not any(re.search(rf"\b{re.escape(key.name)}\b", row) for row in rows):
                missing.append(f"{section.name}.{key.name}")
    assert not missing, f"settings missing from docs/configuration.md: {missing}"


def test_every_metric_is_in_the_metrics_page() -> None:
    page = _page("metrics.md")
    names = {
        family.name
        for instrument in vars(metrics).values()
        if isinstance(instrument, MetricWrapperBase)
        for family in instrument.describe()
    }
    assert len(names) > 30, names  # the instruments were found
    missing = sorted(name for name in names if f"`{name}" not in page)
    assert not missing, f"metrics missing from docs/metrics.md: {missing}"


def _layout_rows() -> list[str]:
    page = _page("architecture.md")
    section = page.split("## Layout", 1)[1].split("\n## ", 1)[0]
    return [line for line in section.splitlines() if line.startswith("| `")]


def test_the_layout_table_names_every_package_and_module() -> None:
    named = {path for row in _layout_rows() for path in re.findall(r"`([^`]+)`", row.split("|")[1])}
    # A row may name modules by their file name alone ("`cli.py`") after the first full path.
    package = ROOT / "livesale"
    expected = {f"livesale/{p.name}/" for p in package.iterdir() if (p / "__init__.py").exists()}
    entry_points = {"__init__.py", "__main__.py"}
    expected |= {p.name for p in package.glob("*.py") if p.name not in entry_points}
    seen = {n if n.endswith("/") else Path(n).name for n in named}
    missing = sorted(e for e in expected if e not in seen)
    assert not missing, f"docs/architecture.md's layout table misses {missing}"


def test_the_layout_table_names_only_what_exists() -> None:
    for row in _layout_rows():
        first = re.findall(r"`([^`]+)`", row.split("|")[1])
        base = ROOT / Path(first[0]).parent if first and "/" in first[0] else ROOT / "livesale"
        for i, name in enumerate(first):
            path = ROOT / name if i == 0 or "/" in name else base / name
            assert path.exists(), f"docs/architecture.md names {name}, which does not exist"


def _slug(heading: str) -> str:
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    text = re.sub(r"```.*?```", "", path.read_text(encoding="utf-8"), flags=re.S)
    return {_slug(m) for m in re.findall(r"^#{1,6} (.+)$", text, flags=re.M)}


def test_links_between_the_docs_resolve() -> None:
    pages = [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]
    broken = []
    for page in pages:
        for target in re.findall(r"\]\(([^)\s]+)\)", page.read_text(encoding="utf-8")):
            if target.startswith(("http://", "https://", "mailto:")):
                continue
            file, _, anchor = target.partition("#")
            path = (page.parent / file).resolve() if file else page
            if not path.exists():
                broken.append(f"{page.name}: {target}")
            elif anchor and path.suffix == ".md" and anchor not in _anchors(path):
                broken.append(f"{page.name}: {target} (no such heading)")
    assert not broken, broken


def test_the_readme_is_a_front_door() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 220
    for page in ("architecture", "api", "configuration", "operations", "metrics"):
        assert f"(docs/{page}.md)" in readme
    for page in ("benchmarks", "reliability", "security", "scaling"):
        assert f"(docs/{page}.md)" in readme
