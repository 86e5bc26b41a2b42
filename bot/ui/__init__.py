"""Everything users click: one module per view, built on the formatting layer (``bot.formatting``).

- ``results``: an answer's buttons — More results / Previous (:class:`ResultsView`) and Delete.
- ``votes``: Helpful / Not helpful under public answers.
- ``alerts``: "Ask about this post" under an alert, and the question form it opens.
- ``pager``: ◀ ▶ through a private multi-page reply (/insights).
- ``rendered``: the shape shared by buttons that outlive restarts.
- ``failures``: a click whose handling fails is told so, privately.

Buttons that must keep working after a restart are ``DynamicItem`` s registered on the bot (see
``bot.client``); views only *render* them (:class:`~bot.ui.rendered.RenderedOnly`).
"""
