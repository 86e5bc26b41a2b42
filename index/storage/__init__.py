"""SQLite persistence, incremental indexing and the live, swappable index service."""
