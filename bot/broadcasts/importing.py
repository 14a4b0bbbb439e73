"""`gurubot import teachers.csv`: a school's or district's export becomes invited WhatsApp
contacts (not consented: nothing is sent to them but the consent invitation, `gurubot invite`).

All or nothing: every row is checked first (phone to E.164 with phonenumbers, known province and
kabupaten/kota, role, school level, duplicates in the file or already registered) and any
problem is reported per row with nothing imported.
"""

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

import phonenumbers
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot import regions
from bot.broadcasts.models import TeacherInvite
from bot.db import session_scope
from bot.errors import BadRequest
from bot.models import Contact
from bot.privacy_log import mask

COLUMNS = {
    "name": ("name", "nama"),
    "phone": ("phone", "telepon", "hp", "no_hp", "whatsapp"),
    "npsn": ("npsn",),
    "province": ("province", "provinsi"),
    "kabupaten": ("kabupaten", "kabupaten_kota", "regency", "kab_kota"),
    "role": ("role", "peran", "jabatan"),
    "school_level": ("school_level", "jenjang", "level"),
}
ROLES = {"guru": "guru", "kepala sekolah": "kepala_sekolah", "operator": "operator", "tendik": "tendik"}
LEVELS = {"paud", "sd", "smp", "sma", "smk", "slb"}
Progress = Callable[[Iterable[dict[str, str]], int], Iterable[dict[str, str]]]


class ImportRejected(BadRequest):
    """The file as a whole cannot be read (encoding, columns), or some rows are wrong: `problems`."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


@dataclass(frozen=True)
class Teacher:
    name: str
    address: str  # whatsapp:+62…
    npsn: str
    province: str
    regency: str | None
    role: str
    school_level: str


def header_map(fields: list[str]) -> dict[str, str]:
    """Our column name → the file's, accepting Indonesian names; missing ones stop the import."""
    found = {field.strip().lower().replace(" ", "_").replace("/", "_"): field for field in fields}
    mapped = {ours: next((found[name] for name in names if name in found), "") for ours, names in COLUMNS.items()}
    missing = [ours for ours, theirs in mapped.items() if not theirs and ours not in ("npsn", "role", "school_level")]
    if missing:
        raise ImportRejected(f"missing column(s): {', '.join(missing)}; expected {', '.join(COLUMNS)}")
    return mapped


def read_rows(raw: bytes) -> tuple[list[dict[str, str]], dict[str, str]]:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportRejected(f"the file is not UTF-8 (byte {error.start}): save it as CSV UTF-8") from None
    try:
        dialect: type[csv.Dialect] = csv.Sniffer().sniff(text[:4096], delimiters=",;\t") if text.strip() else csv.excel
    except csv.Error:  # no delimiter to find (one column, or not a table at all): the columns say what is wrong
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    mapping = header_map(list(reader.fieldnames or []))
    return list(reader), mapping


def phone_address(raw: str) -> str:
    number = phonenumbers.parse(raw, "ID")
    if not phonenumbers.is_valid_number(number):
        raise ValueError(f"not a valid phone number: {mask(raw.strip())}")
    return "whatsapp:" + phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def province_code(raw: str) -> str:
    text = raw.strip()
    if text in regions.provinces():
        return text
    found = regions.exact_province(regions.normalize(text))
    if found is None:
        raise ValueError(f"unknown province: {raw}")
    return found.code


def regency_code(province: str, raw: str) -> str | None:
    text = raw.strip()
    if not text:
        return None
    if text in regions.regencies_of(province):
        return text
    found = regions.regencies_named(text, regions.regencies_of(province))
    if len(found) != 1:
        raise ValueError(f"unknown kabupaten/kota in {regions.region_name(province)}: {raw}")
    return found[0].code


def teacher_of(row: dict[str, str], mapping: dict[str, str]) -> Teacher:
    def value(ours: str) -> str:
        return (row.get(mapping[ours]) or "").strip() if mapping[ours] else ""

    name = " ".join(value("name").split())
    if not 2 <= len(name) <= 100:
        raise ValueError("name is missing")
    role, level = value("role").lower().replace("_", " "), value("school_level").lower()
    if role and role not in ROLES:
        raise ValueError(f"unknown role: {role}")
    if level and level not in LEVELS:
        raise ValueError(f"unknown school level: {level}")
    province = province_code(value("province"))
    return Teacher(
        name,
        phone_address(value("phone")),
        value("npsn")[:8],
        province,
        regency_code(province, value("kabupaten")),
        ROLES.get(role, "lainnya" if role else "guru"),
        level or "lainnya",
    )


def checked_teachers(
    session: Session, raw: bytes, progress: Progress | None = None, province: str | None = None
) -> list[Teacher]:
    """Every row as a teacher, or `ImportRejected` listing each bad row (row 2 is the first after the header);
    with `province` (a staff member's), a row of another province is a bad row."""
    rows, mapping = read_rows(raw)
    teachers, problems, seen = [], [], dict[str, int]()
    for number, row in enumerate(progress(rows, len(rows)) if progress else rows, start=2):
        try:
            teacher = teacher_of(row, mapping)
        except (ValueError, phonenumbers.NumberParseException) as error:
            problems.append(f"row {number}: {error}")
            continue
        if province is not None and teacher.province != province:
            problems.append(f"row {number}: outside your province: {regions.region_name(teacher.province)}")
            continue
        if teacher.address in seen:
            problems.append(f"row {number}: the same phone as row {seen[teacher.address]}")
            continue
        seen[teacher.address] = number
        teachers.append(teacher)
    registered = set(session.exec(select(Contact.address).where(col(Contact.address).in_(list(seen)))).all())
    problems += [f"row {seen[address]}: already registered" for address in sorted(registered, key=seen.__getitem__)]
    if problems:
        raise ImportRejected(f"{len(problems)} row(s) wrong; nothing imported", problems)
    return teachers


def import_teachers(engine: Engine, raw: bytes, now: datetime, progress: Progress | None = None) -> int:
    """Import every row as an invited contact, in one transaction (`gurubot import`); returns how many."""
    with session_scope(engine) as session:
        return import_into(session, raw, now, progress)


def import_into(
    session: Session, raw: bytes, now: datetime, progress: Progress | None = None, province: str | None = None
) -> int:
    """Import every row as an invited contact in the caller's transaction (the dashboard's, or the
    command's); `province` limits the rows to one province. Returns how many."""
    teachers = checked_teachers(session, raw, progress, province)
    for teacher in teachers:
        contact = Contact(
            channel="whatsapp",
            address=teacher.address,
            name=teacher.name,
            province_code=teacher.province,
            regency_code=teacher.regency,
            time_zone=regions.time_zone_of(teacher.province).iana,
            role=teacher.role,
            school_level=teacher.school_level,
            created_at=now,
        )
        session.add(contact)
        session.flush()
        session.add(TeacherInvite(contact_id=contact.id or 0, npsn=teacher.npsn, imported_at=now))
    return len(teachers)
