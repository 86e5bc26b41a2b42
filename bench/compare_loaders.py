"""Loader output of two source trees over the shared corpus: which posts, titles, dates, URLs,
categories, tags, authors, excerpts, passages and load issues differ.

    git archive 892f524 index | tar -x -C /tmp/old     # any older version of index/
    .venv/bin/python -m bench.compare_loaders /tmp/old [NEW_TREE]   # NEW_TREE: this checkout

Each tree is loaded in its own process (``parse_post`` over ``iter_post_files``).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from .common import CORPUS, ROOT, require_shared

_DUMP = r"""
import json, sys
sys.path.insert(0, sys.argv[1])
from pathlib import Path
from index.ingest.loader import parse_post
from index.models import ParsedPost
from index.ingest.site import find_site, iter_post_files
root, site = find_site(Path(sys.argv[2]))
out = {}
for p in iter_post_files(root):
    r = parse_post(p, root, site)
    key = p.relative_to(root).as_posix()
    if isinstance(r, ParsedPost):
        q = r.post
        out[key] = {"title": q.title, "date": str(q.date), "url": q.url,
                    "categories": q.categories, "tags": q.tags, "authors": q.authors,
                    "excerpt": q.excerpt, "redirect": q.redirect,
                    "passages": [[x.heading_path, x.text] for x in r.passages],
                    "issues": [i.reason for i in r.issues]}
    else:
        out[key] = {"skipped": r.reason}
print(json.dumps({"site": site.model_dump(), "posts": out}))
"""
FIELDS = (
    "title",
    "date",
    "url",
    "categories",
    "tags",
    "authors",
    "excerpt",
    "redirect",
    "passages",
    "issues",
    "skipped",
)


def _load(tree: Path) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", _DUMP, str(tree), str(CORPUS)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args:
        print(__doc__)
        return 2
    require_shared()
    old, new = _load(Path(args[0])), _load(Path(args[1]) if len(args) > 1 else ROOT)
    print(f"site config the same: {old['site'] == new['site']}")
    a, b = old["posts"], new["posts"]
    print(
        f"posts: old {len(a)}, new {len(b)}; only old: {sorted(set(a) - set(b))}; "
        f"only new: {sorted(set(b) - set(a))}"
    )
    for field in FIELDS:
        keys = [k for k in sorted(set(a) & set(b)) if a[k].get(field) != b[k].get(field)]
        print(f"{field}: {len(keys)} differ")
        for k in keys[:10]:
            x, y = a[k].get(field), b[k].get(field)
            if field == "passages":
                x, y = f"{len(x or [])} passages", f"{len(y or [])} passages"
            print(f"    {k}: {x!r} -> {y!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
