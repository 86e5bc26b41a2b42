"""``python -m bot`` is ``briefbot run`` (extra arguments such as ``--content`` pass through)."""

import sys

from .cli import main

sys.exit(main(["run", *sys.argv[1:]]))
