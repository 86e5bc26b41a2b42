"""Content → passages → BM25 index → answers. Pure: knows nothing of Discord.

The sub-packages are the pipeline's steps, each importing only those before it: ``ingest``
(files → posts → passages), ``terms`` (passages → term statistics), ``retrieval`` (a question →
ranked passages), ``answers`` (ranked passages → what is shown), ``storage`` (SQLite, incremental
reindexing, the live index). ``search`` orchestrates retrieval and answers; ``models`` holds the
pydantic models at the boundaries.
"""
