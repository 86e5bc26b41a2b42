"""Ranked passages → what is shown: headline, snippets, one citation per section."""
