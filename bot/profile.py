"""A teacher's profile in words: roles and school levels as stored (the staff API's values) and as
the teacher reads them, the place, and the name as the bot greets it."""

from typing import get_args

from bot import regions
from bot.audience import Role, SchoolLevel
from bot.content import texts
from bot.models import Contact

ROLES: tuple[str, ...] = get_args(Role)  # in the order of the options `roles`
SCHOOL_LEVELS: tuple[str, ...] = get_args(SchoolLevel)  # in the order of the options `levels`
# flow_data key of a profile edit: the [flow, step] that onboarding's answer goes back to.
EDIT_RETURN = "return_after_edit"


def role_label(role: str | None) -> str | None:
    """ "Kepala sekolah" for `kepala_sekolah`."""
    return label_of(role, ROLES, "roles")


def level_label(level: str | None) -> str | None:
    """ "SD" for `sd`."""
    return label_of(level, SCHOOL_LEVELS, "levels")


def label_of(value: str | None, values: tuple[str, ...], options_key: str) -> str | None:
    if value not in values:
        return value
    return texts().choices(options_key)[values.index(value)]


def place_text(contact: Contact) -> str | None:
    """ "Kabupaten Gowa, Sulawesi Selatan", or the province alone; None before it is known."""
    province = regions.region_name(contact.province_code)
    regency = regions.region_name(contact.regency_code)
    if province is None:
        return None
    return f"{regency}, {province}" if regency else province


HONORIFICS = {"bu", "ibu", "pak", "bapak", "kak", "mas", "mbak", "bang", "ni"}  # "Ni Wayan": Balinese "Ni"


def first_name(name: str | None) -> str:
    """ "Bu Sari Wulandari" → "Sari": the first word that is not a form of address."""
    words = greeting_name(name).split()
    named = [word for word in words if word.lower().strip(".") not in HONORIFICS]
    return (named or words or [""])[0][:60]


def greeting_name(name: str | None) -> str:
    """The name as typed, each all-lower-case word with a capital: "yohanes" → "Yohanes",
    "bu sari" → "Bu Sari"; "McDonald" and "ANI" stay as they were written."""
    return " ".join(word[:1].upper() + word[1:] if word.islower() else word for word in (name or "").split())
