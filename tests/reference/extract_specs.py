"""Rebuild the spec extracts in this folder from the full published files:

    python tests/reference/extract_specs.py ../shared/reference

Keeps what the fakes check requests against, in the files' own structure: every Bot API
method with its parameters (name, types, required), and Twilio's Messages create operation
with the schemas its request body refers to. Descriptions and response examples are left out.
"""

import json
import re
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
TELEGRAM = "telegram-bot-api-10.0.min.json"
TWILIO = "twilio_api_v2010.json"
TELEGRAM_EXTRACT = "telegram-bot-api-10.0.methods.json"
TWILIO_EXTRACT = "twilio_api_v2010.messages-create.json"
TWILIO_MESSAGES = "/2010-04-01/Accounts/{AccountSid}/Messages.json"
REFERENCE = re.compile(r'"\$ref": "#/components/schemas/([^"]+)"')


def telegram_methods(spec: dict[str, Any]) -> dict[str, Any]:
    methods = {}
    for name, method in spec["methods"].items():
        methods[name] = {"name": method["name"], "href": method["href"]}
        if "fields" in method:
            methods[name]["fields"] = [
                {key: field[key] for key in ("name", "types", "required")} for field in method["fields"]
            ]
    return {key: spec[key] for key in ("version", "release_date", "changelog")} | {"methods": methods}


def twilio_messages_create(spec: dict[str, Any]) -> dict[str, Any]:
    operation = spec["paths"][TWILIO_MESSAGES]["post"]
    kept = {key: operation[key] for key in ("operationId", "summary", "parameters", "requestBody", "x-twilio")}
    schemas = sorted(set(REFERENCE.findall(json.dumps(kept))))
    return {
        "openapi": spec["openapi"],
        "info": spec["info"],
        "servers": spec["servers"],
        "paths": {TWILIO_MESSAGES: {"post": kept}},
        "components": {"schemas": {name: spec["components"]["schemas"][name] for name in schemas}},
    }


def write(name: str, data: dict[str, Any]) -> None:
    (HERE / name).write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def main(source: Path) -> None:
    write(TELEGRAM_EXTRACT, telegram_methods(json.loads((source / TELEGRAM).read_text(encoding="utf-8"))))
    write(TWILIO_EXTRACT, twilio_messages_create(json.loads((source / TWILIO).read_text(encoding="utf-8"))))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
