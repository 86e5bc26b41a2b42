"""A question → ranked passages: query understanding, BM25, scoring, ranking."""
