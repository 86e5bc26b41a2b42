"""Everything users see is built here: embeds, messages and choices, within Discord's limits.

- ``text``: the layer every builder ends in — Discord's limits, escaping, cutting without breaking
  Markdown, :func:`~bot.formatting.text.fit_embed`, ``NO_MENTIONS`` (nothing ever pings).
- One builder module per feature: ``answers`` (/ask), ``posts`` (/brief, /latest, /about),
  ``alerts`` (new-post alerts, /alerts list), ``reindex``, ``insights`` (/insights, the digest,
  "why this answer"), ``choices`` (autocomplete).

Import from the module that builds what you need; this package re-exports nothing.
"""
