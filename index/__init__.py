"""Content → passages → BM25 index → answers. Pure: knows nothing of Discord."""
