"""A button a view shows but never handles itself.

Buttons that outlive the process (delete, vote, ask about this post) are ``DynamicItem`` s
registered on the bot, which handle every click by custom id. Views must not hold instances of
them: discord.py unregisters a dynamic item class when any view that contains an instance of it
stops — which every answer's view does on timeout. So views hold this stand-in, with the same look
and custom id.
"""

from __future__ import annotations

from typing import Any

import discord


class RenderedOnly(discord.ui.Button[Any]):
    """Shown in a view; clicks are handled by the dynamic item registered for its custom id."""

    def is_dispatchable(self) -> bool:
        return False
