"""Helpers that keep personal data out of logs."""

VISIBLE_TAIL = 3


def mask(address: str) -> str:
    """`whatsapp:+6281234567890` → `whatsapp:+**********890`; Telegram `123456789` → `*******89`.

    The channel prefix and a leading sign stay. Of the identifier itself at most its last three
    characters show, and only a quarter of a short one, so no identifier is ever logged whole.
    """
    prefix, colon, identifier = address.rpartition(":")
    sign = identifier[:1] if identifier[:1] in ("+", "-") else ""
    characters = identifier[len(sign) :]
    visible = min(VISIBLE_TAIL, len(characters) // 4)
    hidden = "*" * (len(characters) - visible) + characters[len(characters) - visible :]
    return f"{prefix}{colon}{sign}{hidden}"
