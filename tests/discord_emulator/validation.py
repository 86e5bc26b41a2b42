"""What Discord checks of requests (a useful subset of its own limits): message bodies, embeds,
components, command schemas and choices, and which mentions a message computes. Handlers raise
:class:`ApiError`, which the server turns into a Discord-shaped JSON error response."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from .state import (
    Guild,
    Permission,
    World,
)


class ApiError(Exception):
    """Raised by handlers; turned into a Discord-shaped JSON error response."""

    def __init__(self, status: int, code: int, message: str, errors: dict | None = None) -> None:
        super().__init__(f"{status} {code} {message}")
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors

    def body(self) -> dict[str, Any]:
        data: dict[str, Any] = {"message": self.message, "code": self.code}
        if self.errors:
            data["errors"] = self.errors
        return data


def _err(code: str, message: str) -> dict:
    return {"_errors": [{"code": code, "message": message}]}


def invalid_form(errors: dict) -> ApiError:
    return ApiError(400, 50035, "Invalid Form Body", errors)


EMBED_LIMITS = {"title": 256, "description": 4096}


def _url_error(url: Any, *, attachments: bool) -> dict | None:
    """Discord's check of a URL in an embed: http(s) with a host (images and icons may also
    name an uploaded file, ``attachment://``)."""
    if url is None:
        return None
    parts = urlsplit(str(url))
    if attachments and parts.scheme == "attachment":
        return None
    if parts.scheme not in ("http", "https"):
        return _err(
            "URL_TYPE_INVALID_SCHEME",
            f"Scheme \"{parts.scheme}\" is not supported. Scheme must be one of ('http', 'https').",
        )
    if not parts.netloc or any(c.isspace() for c in str(url)):
        return _err("URL_TYPE_INVALID_URL", "Not a well formed URL.")
    return None


def _embed_url_errors(embed: dict) -> dict:
    errors: dict[str, Any] = {}
    if (e := _url_error(embed.get("url"), attachments=False)) is not None:
        errors["url"] = e
    for part, key, attachments in (
        ("author", "url", False),
        ("author", "icon_url", True),
        ("footer", "icon_url", True),
        ("image", "url", True),
        ("thumbnail", "url", True),
    ):
        value = (embed.get(part) or {}).get(key)
        if (e := _url_error(value, attachments=attachments)) is not None:
            errors.setdefault(part, {})[key] = e
    return errors


def _embed_errors(embed: dict) -> tuple[dict, int]:
    errors: dict[str, Any] = _embed_url_errors(embed)
    total = 0
    for key, limit in EMBED_LIMITS.items():
        value = embed.get(key)
        if value is not None:
            total += len(str(value))
            if len(str(value)) > limit:
                errors[key] = _err("BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")
    fields = embed.get("fields") or []
    if len(fields) > 25:
        errors["fields"] = _err("BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
    for i, f in enumerate(fields):
        ferr = {}
        name, value = str(f.get("name", "")), str(f.get("value", ""))
        total += len(name) + len(value)
        if not name or len(name) > 256:
            ferr["name"] = _err("BASE_TYPE_BAD_LENGTH", "Must be between 1 and 256 in length.")
        if not value or len(value) > 1024:
            ferr["value"] = _err("BASE_TYPE_BAD_LENGTH", "Must be between 1 and 1024 in length.")
        if ferr:
            errors.setdefault("fields", {})[str(i)] = ferr
    footer = (embed.get("footer") or {}).get("text")
    if footer is not None:
        total += len(footer)
        if len(footer) > 2048:
            errors["footer"] = {
                "text": _err("BASE_TYPE_MAX_LENGTH", "Must be 2048 or fewer in length.")
            }
    author = (embed.get("author") or {}).get("name")
    if author is not None:
        total += len(author)
        if len(author) > 256:
            errors["author"] = {
                "name": _err("BASE_TYPE_MAX_LENGTH", "Must be 256 or fewer in length.")
            }
    return errors, total


def _walk_components(components: list[dict]):
    for comp in components or []:
        yield comp
        yield from _walk_components(comp.get("components") or [])
        if isinstance(comp.get("component"), dict):
            yield from _walk_components([comp["component"]])
        if isinstance(comp.get("accessory"), dict):
            yield from _walk_components([comp["accessory"]])


def walk_components(components: list[dict]):
    """Every component (depth first), including nested rows/containers/labels."""
    return _walk_components(components)


def _component_errors(components: list[dict], flags: int) -> dict:
    errors: dict[str, Any] = {}
    if flags & (1 << 15):  # IS_COMPONENTS_V2: only sanity checks
        return errors
    if len(components) > 5:
        errors["components"] = _err("BASE_TYPE_MAX_LENGTH", "Must be 5 or fewer in length.")
        return errors
    seen: set[str] = set()
    for i, row in enumerate(components):
        rerr: dict[str, Any] = {}
        if row.get("type") != 1:
            rerr["type"] = _err("UNION_TYPE_CHOICES", "Top-level components must be action rows.")
        children = row.get("components") or []
        if not 1 <= len(children) <= 5:
            rerr["components"] = _err("BASE_TYPE_BAD_LENGTH", "Must be between 1 and 5 in length.")
        for j, child in enumerate(children):
            cerr: dict[str, Any] = {}
            cid = child.get("custom_id")
            if child.get("type") == 2:
                label = child.get("label")
                if label is not None and len(label) > 80:
                    cerr["label"] = _err("BASE_TYPE_MAX_LENGTH", "Must be 80 or fewer in length.")
                if child.get("style") == 5:
                    if not child.get("url"):
                        cerr["url"] = _err("BASE_TYPE_REQUIRED", "This field is required")
                    elif (e := _url_error(child["url"], attachments=False)) is not None and (
                        not str(child["url"]).startswith("discord://")
                    ):
                        cerr["url"] = e
                elif child.get("style") != 6 and not cid:
                    cerr["custom_id"] = _err("BASE_TYPE_REQUIRED", "This field is required")
            if cid is not None:
                if len(cid) > 100:
                    cerr["custom_id"] = _err(
                        "BASE_TYPE_MAX_LENGTH", "Must be 100 or fewer in length."
                    )
                if cid in seen:
                    cerr["custom_id"] = _err(
                        "COMPONENT_CUSTOM_ID_DUPLICATED", "Component custom id cannot be duplicated"
                    )
                seen.add(cid)
            if cerr:
                rerr.setdefault("components", {})[str(j)] = cerr
        if rerr:
            errors.setdefault("components", {})[str(i)] = rerr
    return errors


def validate_message(body: dict, *, n_files: int = 0, editing: bool = False) -> None:
    """Discord's checks on a create/edit message body. Raises ApiError."""
    errors: dict[str, Any] = {}
    content = body.get("content")
    if content is not None and len(str(content)) > 2000:
        errors["content"] = _err("BASE_TYPE_MAX_LENGTH", "Must be 2000 or fewer in length.")
    embeds = body.get("embeds") or []
    if len(embeds) > 10:
        errors["embeds"] = _err("BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.")
    total = 0
    for i, embed in enumerate(embeds):
        eerr, size = _embed_errors(embed)
        total += size
        if eerr:
            errors.setdefault("embeds", {})[str(i)] = eerr
    if total > 6000:
        errors.setdefault("embeds", {}).update(
            _err("MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000")
        )
    flags = int(body.get("flags") or 0)
    cerr = _component_errors(body.get("components") or [], flags)
    if cerr:
        errors.update(cerr)
    am = body.get("allowed_mentions")
    if am:
        parse = am.get("parse") or []
        for kind in ("users", "roles"):
            if kind in parse and am.get(kind):
                errors["allowed_mentions"] = _err(
                    "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE",
                    f'parse:["{kind}"] and {kind}: [ids...] are mutually exclusive.',
                )
    if errors:
        raise invalid_form(errors)
    if not editing:
        has_body = (
            content not in (None, "")
            or embeds
            or body.get("components")
            or n_files
            or body.get("sticker_ids")
            or body.get("poll")
        )
        if not has_body:
            raise ApiError(400, 50006, "Cannot send an empty message")


def _length_error(value: Any, low: int, high: int) -> dict | None:
    if value is None or low <= len(str(value)) <= high:
        return None
    return _err("BASE_TYPE_BAD_LENGTH", f"Must be between {low} and {high} in length.")


def validate_modal(data: dict) -> None:
    """Discord's checks on a modal (callback type 9): its title and custom id, 1 to 5 top-level
    components, and each text input's custom id, label, placeholder, value and length bounds."""
    errors: dict[str, Any] = {}
    if not data.get("custom_id") or len(str(data["custom_id"])) > 100:
        errors["custom_id"] = _err("BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
    if (title := _length_error(data.get("title") or "", 1, 45)) is not None:
        errors["title"] = title
    components = data.get("components") or []
    if not 1 <= len(components) <= 5:
        errors["components"] = _err("BASE_TYPE_BAD_LENGTH", "Must be between 1 and 5 in length.")
    for i, comp in enumerate(walk_components(components)):
        cerr: dict[str, Any] = {}
        if comp.get("type") == 18:  # label: its text and description
            for key, high in (("label", 45), ("description", 100)):
                if (e := _length_error(comp.get(key), 1, high)) is not None:
                    cerr[key] = e
        if comp.get("type") == 4:  # text input
            checks = (("custom_id", 1, 100), ("label", 1, 45), ("placeholder", 0, 100))
            for key, low, high in (*checks, ("value", 0, 4000)):
                if (e := _length_error(comp.get(key), low, high)) is not None:
                    cerr[key] = e
            if comp.get("custom_id") is None:
                cerr["custom_id"] = _err("BASE_TYPE_REQUIRED", "This field is required")
            for key, low in (("min_length", 0), ("max_length", 1)):
                bound = comp.get(key)
                if bound is not None and not low <= int(bound) <= 4000:
                    cerr[key] = _err("NUMBER_TYPE_MAX", f"Must be between {low} and 4000.")
        if cerr:
            errors.setdefault("components", {})[str(i)] = cerr
    if errors:
        raise invalid_form({"data": errors})


def text_input_refusal(component: dict, value: str) -> str | None:
    """Why Discord's client would not let a user submit ``value`` in this text input, if so
    (it enforces ``required`` and the length bounds before anything reaches the bot)."""
    required = component.get("required", True)
    if required and not value:
        return "a required input is empty"
    if value:
        low, high = component.get("min_length"), component.get("max_length")
        if low is not None and len(value) < int(low):
            return f"shorter than min_length {low}"
        if high is not None and len(value) > int(high):
            return f"longer than max_length {high}"
    return None


def validate_choices(choices: list[dict]) -> None:
    errors: dict[str, Any] = {}
    if len(choices) > 25:
        errors["choices"] = _err("BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
    for i, choice in enumerate(choices):
        cerr = {}
        name = str(choice.get("name", ""))
        if not 1 <= len(name) <= 100:
            cerr["name"] = _err("BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
        value = choice.get("value")
        if isinstance(value, str) and len(value) > 100:
            cerr["value"] = _err("BASE_TYPE_MAX_LENGTH", "Must be 100 or fewer in length.")
        if cerr:
            errors.setdefault("choices", {})[str(i)] = cerr
    if errors:
        raise invalid_form({"data": errors})


_NAME_RE = re.compile(r"^[-_\w]{1,32}$", re.UNICODE)


def _option_errors(options: list[dict], depth: int = 0) -> dict:
    errors: dict[str, Any] = {}
    if len(options) > 25:
        return {"options": _err("BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")}
    seen_optional = False
    names: set[str] = set()
    for i, opt in enumerate(options):
        oerr: dict[str, Any] = {}
        name = opt.get("name", "")
        if not _NAME_RE.match(name) or name != name.lower():
            oerr["name"] = _err("APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
        if name in names:
            oerr["name"] = _err(
                "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS", "Option names must be unique"
            )
        names.add(name)
        desc = opt.get("description", "")
        if not 1 <= len(desc) <= 100:
            oerr["description"] = _err(
                "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length."
            )
        if opt.get("type") in (1, 2):
            sub = _option_errors(opt.get("options") or [], depth + 1)
            if sub:
                oerr.update(sub)
        else:
            if opt.get("required"):
                if seen_optional:
                    oerr["required"] = _err(
                        "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                        "Required options must be placed before non-required options",
                    )
            else:
                seen_optional = True
            choices = opt.get("choices") or []
            if len(choices) > 25:
                oerr["choices"] = _err("BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
            if choices and opt.get("autocomplete"):
                oerr["autocomplete"] = _err(
                    "AUTOCOMPLETE_AND_CHOICES_MUTUALLY_EXCLUSIVE",
                    "Autocomplete and choices cannot both be set",
                )
        if oerr:
            errors.setdefault("options", {})[str(i)] = oerr
    return errors


def validate_commands(commands: list[dict]) -> None:
    errors: dict[str, Any] = {}
    seen: set[tuple[str, int]] = set()
    for i, cmd in enumerate(commands):
        cerr: dict[str, Any] = {}
        ctype = cmd.get("type", 1)
        name = cmd.get("name", "")
        if ctype == 1:
            if not _NAME_RE.match(name) or name != name.lower():
                cerr["name"] = _err("APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
            if not 1 <= len(cmd.get("description", "")) <= 100:
                cerr["description"] = _err(
                    "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length."
                )
            cerr.update(_option_errors(cmd.get("options") or []))
        elif not 1 <= len(name) <= 32:
            cerr["name"] = _err("BASE_TYPE_BAD_LENGTH", "Must be between 1 and 32 in length.")
        if (name, ctype) in seen:
            cerr["name"] = _err(
                "APPLICATION_COMMANDS_DUPLICATE_NAME", "Application command names must be unique"
            )
        seen.add((name, ctype))
        if cerr:
            errors[str(i)] = cerr
    if errors:
        raise invalid_form(errors)


def computed_mentions(
    world: World,
    *,
    content: str,
    allowed_mentions: dict | None,
    author_id: int,
    guild: Guild | None,
    channel_id: int,
    replied_user_id: int | None = None,
) -> tuple[list[int], list[int], bool]:
    """(user ids, role ids, mention_everyone) that Discord would actually ping for a
    message, honouring allowed_mentions and the author's MENTION_EVERYONE permission."""
    content = content or ""
    user_ids = [int(x) for x in re.findall(r"<@!?(\d+)>", content)]
    role_ids = [int(x) for x in re.findall(r"<@&(\d+)>", content)]
    everyone = "@everyone" in content or "@here" in content
    can_everyone = True
    if guild is not None:
        can_everyone = bool(
            world.permissions_for(guild, author_id, channel_id) & Permission.MENTION_EVERYONE
        )
    if allowed_mentions is None:
        parse = ["users", "roles", "everyone"]
        allowed_users: list[int] = []
        allowed_roles: list[int] = []
        replied = True
    else:
        parse = list(allowed_mentions.get("parse") or [])
        allowed_users = [int(x) for x in allowed_mentions.get("users") or []]
        allowed_roles = [int(x) for x in allowed_mentions.get("roles") or []]
        replied = bool(allowed_mentions.get("replied_user", False))
    users = [
        u
        for u in dict.fromkeys(user_ids)
        if u in world.users and ("users" in parse or u in allowed_users)
    ]
    roles = []
    for rid in dict.fromkeys(role_ids):
        if guild is None or rid not in guild.roles:
            continue
        allowed = "roles" in parse or rid in allowed_roles
        if allowed and (guild.roles[rid].mentionable or can_everyone):
            roles.append(rid)
    if replied and replied_user_id is not None and replied_user_id not in users:
        users.append(replied_user_id)
    return users, roles, bool(everyone and "everyone" in parse and can_everyone)
