"""Write the organization's roles (dormant.core.managed) into the quarantine automation's script.

The SSM automation documents in template.yaml and deploy/org-member.yaml run a script that
cannot import dormant; they carry a copy of ``ORGANIZATION_ROLES`` and
``ORGANIZATION_ROLE_PATHS`` between two marker lines. ``python tools/organization_roles.py``
rewrites that block from the one list; ``--check`` exits 1 when a template differs (the
deploy tests ask the same question).
"""

from __future__ import annotations

import sys
from pathlib import Path

from dormant.core.managed import ORGANIZATION_ROLE_PATHS, ORGANIZATION_ROLES

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = (ROOT / "template.yaml", ROOT / "deploy" / "org-member.yaml")
BEGIN = "# BEGIN organization roles: tools/organization_roles.py writes this block"
END = "# END organization roles"


def block_lines() -> list[str]:
    """The block's lines, unindented: two Python list literals of (pattern, manager)."""
    lines = [BEGIN, "ORGANIZATION_ROLE_PATHS = ["]
    paths = ORGANIZATION_ROLE_PATHS
    lines += [f"    ({prefix!r}, {manager.label!r})," for prefix, manager in paths]
    lines += ["]", "ORGANIZATION_ROLES = ["]
    lines += [f"    ({row.name!r}, {row.managed_by.label!r})," for row in ORGANIZATION_ROLES]
    lines += ["]", END]
    return lines


def rendered(text: str, where: Path) -> str:
    """``text`` with its block replaced by the current one, at the block's indentation."""
    lines = text.split("\n")
    starts = [i for i, line in enumerate(lines) if line.strip() == BEGIN]
    ends = [i for i, line in enumerate(lines) if line.strip() == END]
    if len(starts) != 1 or len(ends) != 1 or ends[0] < starts[0]:
        raise SystemExit(f"{where}: expected one block between {BEGIN!r} and {END!r}")
    start, end = starts[0], ends[0]
    indent = lines[start][: len(lines[start]) - len(lines[start].lstrip())]
    block = [f"{indent}{line}" if line else line for line in block_lines()]
    return "\n".join([*lines[:start], *block, *lines[end + 1 :]])


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for template in TEMPLATES:
        text = template.read_text()
        new = rendered(text, template)
        if new != text:
            stale.append(template)
            if not check:
                template.write_text(new)
    for template in stale:
        print(f"{template.relative_to(ROOT)}: {'differs' if check else 'rewritten'}")
    return 1 if check and stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
