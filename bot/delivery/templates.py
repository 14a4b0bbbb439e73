"""Approved WhatsApp templates (Twilio Content API) from `content/templates.yaml`, checked at
start-up: a template the code needs but the file lacks stops the service before any send."""

import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from bot.content import read_yaml
from bot.errors import ContentError

log = logging.getLogger(__name__)
TEMPLATES_FILE = "templates.yaml"
CONTENT_SID = re.compile(r"^HX[0-9a-fA-F]{32}$")
PLACEHOLDER_SID = re.compile(r"^HX0{28}")
NEW_MESSAGE = "new_message"

# The core's own template; features declare theirs (bot/features.py `required_templates`), so a
# missing one fails at start-up.
REQUIRED_TEMPLATES: set[str] = {NEW_MESSAGE}


@dataclass(frozen=True)
class Template:
    name: str
    content_sid: str
    variables: tuple[str, ...]
    preview: str

    def content_variables(self, values: Mapping[str, object]) -> str:
        """Twilio's `ContentVariables`: {"1": first value, "2": second, …} as JSON."""
        missing = [name for name in self.variables if name not in values]
        if missing:
            raise ValueError(f"template {self.name} needs {', '.join(missing)}")
        return json.dumps({str(number): str(values[name]) for number, name in enumerate(self.variables, start=1)})


def template_payload(name: str, variables: Mapping[str, object] | None = None) -> dict[str, Any]:
    """What an outbox row carries to be sent as `name` when the WhatsApp window is closed."""
    return {"template": name, "template_variables": {key: str(value) for key, value in (variables or {}).items()}}


def whatsapp_templates(required: set[str] | None = None) -> dict[str, Template]:
    """The templates, refusing to start when one the code needs is missing."""
    templates = parse_templates(read_yaml(TEMPLATES_FILE))
    missing = sorted((REQUIRED_TEMPLATES if required is None else required) - templates.keys())
    if missing:
        raise ContentError(
            f"content/{TEMPLATES_FILE}: WhatsApp is on but template(s) {', '.join(missing)} are missing; "
            "they are needed for messages outside the 24-hour window"
        )
    placeholders = sorted(name for name, template in templates.items() if PLACEHOLDER_SID.match(template.content_sid))
    if placeholders:
        log.warning("WhatsApp templates %s still have placeholder ContentSids", ", ".join(placeholders))
    return templates


@lru_cache
def template_preview(name: str) -> str:
    """The approved wording of a template, shown for its row in the outbox ("" when unknown)."""
    template = parse_templates(read_yaml(TEMPLATES_FILE)).get(name)
    return template.preview if template else ""


def parse_templates(data: dict[str, Any]) -> dict[str, Template]:
    entries = data.get("whatsapp_templates") or {}
    if not isinstance(entries, dict):
        raise ContentError(f"content/{TEMPLATES_FILE}: whatsapp_templates must be a mapping")
    return {str(name): parse_template(str(name), entry) for name, entry in entries.items()}


def parse_template(name: str, entry: Any) -> Template:
    if not isinstance(entry, dict) or not CONTENT_SID.match(str(entry.get("content_sid", ""))):
        raise ContentError(f"content/{TEMPLATES_FILE}: template {name} needs a content_sid like HX + 32 hex digits")
    variables = entry.get("variables") or []
    if not isinstance(variables, list) or not all(isinstance(variable, str) for variable in variables):
        raise ContentError(f"content/{TEMPLATES_FILE}: variables of template {name} must be a list of names")
    return Template(name, str(entry["content_sid"]), tuple(variables), str(entry.get("preview", "")).strip())
