"""No class of ours may shadow a private member of a discord.py base class.

discord.py calls its private methods on our subclasses (``View._refresh(components)`` on every
MESSAGE_UPDATE with components); a method of ours with the same name replaces it, and the
exception it raises escapes the gateway parser and ends the bot.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from types import ModuleType

import discord

import bot


def _bot_modules() -> list[ModuleType]:
    modules = [bot]
    for info in pkgutil.walk_packages(bot.__path__, prefix="bot."):
        if not info.name.endswith("__main__"):  # importing it would run the bot
            modules.append(importlib.import_module(info.name))
    return modules


def _is_discord(cls: type) -> bool:
    return cls.__module__.split(".")[0] == discord.__name__


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _own_names(cls: type) -> set[str]:
    # Name-mangled attributes (``__x`` → ``_Cls__x``) are private to their class by design.
    return {n for n in vars(cls) if _private(n) and not n.startswith(f"_{cls.__name__}__")}


def shadowed_private_members() -> list[str]:
    """``module.Class.name`` for each private name a bot class redefines from discord.py."""
    found: list[str] = []
    seen: set[type] = set()
    for module in _bot_modules():
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls in seen or not cls.__module__.startswith("bot"):
                continue
            seen.add(cls)
            bases = [b for b in cls.__mro__[1:] if _is_discord(b)]
            if not bases:
                continue
            theirs = set().union(*(set(vars(b)) for b in bases))
            for name in sorted(_own_names(cls) & theirs):
                found.append(f"{cls.__module__}.{cls.__qualname__}.{name}")
    return found


def test_no_bot_class_shadows_a_private_discord_member() -> None:
    assert shadowed_private_members() == []


def test_the_check_sees_a_shadowing_class() -> None:
    # The check itself must be able to fail: a view that defines View._refresh is caught.
    class Shadowing(discord.ui.View):
        def _refresh(self) -> None:  # type: ignore[override]
            pass

    theirs = set().union(*(set(vars(b)) for b in Shadowing.__mro__[1:] if _is_discord(b)))
    assert _own_names(Shadowing) & theirs == {"_refresh"}
