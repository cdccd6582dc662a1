"""Every link in the project's Markdown leads somewhere inside the repository: a file that exists
(never a path that climbs out of it with `../`), and a heading that exists for a `#fragment`, as
GitHub makes the heading's anchor. Links to the web are not followed (offline)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = sorted([*ROOT.glob("*.md"), *(ROOT / "docs").rglob("*.md")])
LINK = re.compile(r"\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```.*?^```", re.M | re.S)


def anchors(path: Path) -> set[str]:
    """GitHub's anchors for the file's headings: lower case, punctuation dropped, spaces as -."""
    found = set()
    for line in FENCE.sub("", path.read_text()).splitlines():
        if match := re.match(r"#{1,6} (.+)", line):
            text = re.sub(r"[^\w\- ]", "", match.group(1).strip().lower().replace("`", ""))
            found.add(text.replace(" ", "-"))
    return found


def links(path: Path) -> list[str]:
    return LINK.findall(FENCE.sub("", path.read_text()))


def test_an_open_source_project_has_its_licence_and_how_to_contribute_and_report() -> None:
    assert {"README.md", "CONTRIBUTING.md", "SECURITY.md"} <= {p.name for p in DOCS}
    licence = (ROOT / "LICENSE").read_text()
    assert "Apache License" in licence and "Version 2.0, January 2004" in licence
    assert "END OF TERMS AND CONDITIONS" in licence  # the full text, not a notice
    readme = links(ROOT / "README.md")
    assert {"LICENSE", "CONTRIBUTING.md", "SECURITY.md"} <= set(readme)


def test_a_missing_heading_is_caught() -> None:
    assert "rolling-back-a-release" in anchors(ROOT / "docs/operations.md")
    assert "no-such-heading" not in anchors(ROOT / "docs/operations.md")


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_each_link_leads_inside_the_repository(doc: Path) -> None:
    broken = []
    for target in links(doc):
        if re.match(r"[a-z]+:", target):  # https:, mailto:: not followed offline
            continue
        file_part, _, fragment = target.partition("#")
        linked = (doc.parent / file_part).resolve() if file_part else doc
        if not linked.is_relative_to(ROOT):
            broken.append(f"{target}: outside the repository")
        elif not linked.exists():
            broken.append(f"{target}: no such file")
        elif fragment and linked.suffix == ".md" and fragment not in anchors(linked):
            broken.append(f"{target}: no heading #{fragment} in {linked.relative_to(ROOT)}")
    assert not broken, f"{doc.relative_to(ROOT)}: {broken}"
