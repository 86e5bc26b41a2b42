"""Passages → terms and their statistics: the analyzer, the indexed fields, their counts, and
each sentence's hash (the site's boilerplate lines)."""
