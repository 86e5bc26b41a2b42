"""Cleaned text of every post, by two versions of the code: what differs.

    .venv/bin/python -m bench.compare_cleaning OLD_TREE [NEW_TREE]

Each tree (a checkout of the project, e.g. ``git worktree add /tmp/old <commit>`` or
``git archive <commit> | tar -x -C /tmp/old``; NEW_TREE defaults to this one) parses every post
of the shared corpus in its own process, through ``index.ingest.loader.parse_post``: each passage's
heading path, anchor and cleaned text. Posts whose passages differ are listed with their first
difference; the exit status is 1 when any post differs.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from .common import CORPUS, ROOT, require_shared

# Run inside each tree: one JSON line per post file.
_DUMP = """
import json, sys
from pathlib import Path
sys.path.insert(0, ".")
from index.ingest.loader import parse_post
from index.ingest.site import find_site, iter_post_files
root, site = find_site(Path(sys.argv[1]))
for path in iter_post_files(root):
    parsed = parse_post(path, root, site)
    passages = [[list(p.heading_path), p.anchor, p.text] for p in getattr(parsed, "passages", [])]
    reason = getattr(parsed, "reason", None)
    print(json.dumps([path.relative_to(root).as_posix(), passages, reason]))
"""


def cleaned(tree: Path) -> dict[str, list]:
    done = subprocess.run(
        [sys.executable, "-c", _DUMP, str(CORPUS)],
        cwd=tree,
        capture_output=True,
        text=True,
        check=True,
    )
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    return {row[0]: row[1:] for row in rows}


def main(argv: list[str]) -> int:
    require_shared()
    if not argv or argv[0] in {"-h", "--help"}:
        print(__doc__)
        return 2
    old_tree = Path(argv[0])
    new_tree = Path(argv[1]) if len(argv) > 1 else ROOT
    old, new = cleaned(old_tree), cleaned(new_tree)
    differing = 0
    for post in sorted(set(old) | set(new)):
        a, b = old.get(post), new.get(post)
        if a == b:
            continue
        differing += 1
        if a is None or b is None:
            print(f"{post}: only in the {'new' if a is None else 'old'} tree's output")
            continue
        first = next(
            (i for i, (x, y) in enumerate(zip(a[0], b[0], strict=False)) if x != y),
            min(len(a[0]), len(b[0])),
        )
        print(f"{post}: passage {first} differs")
        print(f"  old: {a[0][first] if first < len(a[0]) else a[1]}")
        print(f"  new: {b[0][first] if first < len(b[0]) else b[1]}")
    total = len(set(old) | set(new))
    passages = sum(len(v[0]) for v in new.values())
    print(f"{total} posts, {passages} passages: {differing} posts differ")
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
