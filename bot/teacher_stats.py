"""How many teachers there are, by channel, place, role and school level, for staff.

Counted over onboarded contacts (consent given, onboarding finished). Nothing here names a phone
number, chat id or username: a teacher is shown by first name, region and level only.
"""

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel
from sqlalchemy import ColumnElement, func
from sqlalchemy import select as sql_select
from sqlmodel import Session, col, select

from bot.models import Contact
from bot.profile import first_name
from bot.regions import region_name


class TeacherCount(BaseModel):
    regency: str | None
    regency_name: str
    key: str
    teachers: int


class TeacherListing(BaseModel):
    first_name: str
    regency_name: str
    school_level: str | None


class TeacherCounts(BaseModel):
    province: str | None
    total: int
    by_channel: list[TeacherCount]
    by_role: list[TeacherCount]
    by_school_level: list[TeacherCount]


def onboarded(province: str | None) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [
        col(Contact.consent_given_at).is_not(None),
        col(Contact.onboarded_at).is_not(None),
    ]
    if province is not None:
        conditions.append(col(Contact.province_code) == province)
    return conditions


def counts_by(session: Session, province: str | None, column: Any) -> list[TeacherCount]:
    """Teachers per kabupaten/kota and value of `column`, largest kabupaten/kota groups first."""
    query = (
        sql_select(col(Contact.regency_code), column, func.count())
        .where(*onboarded(province))
        .group_by(col(Contact.regency_code), column)
    )
    rows = [
        TeacherCount(
            regency=regency, regency_name=region_name(regency) or "—", key=str(key or "—"), teachers=int(teachers)
        )
        for regency, key, teachers in session.execute(query)
    ]
    return sorted(rows, key=lambda row: (row.regency_name, row.key))


def teacher_counts(session: Session, province: str | None) -> TeacherCounts:
    """Teachers of one province (or everyone) by channel, role and school level, per kabupaten/kota."""
    total = session.execute(sql_select(func.count()).select_from(Contact).where(*onboarded(province))).scalar_one()
    return TeacherCounts(
        province=province,
        total=int(total),
        by_channel=counts_by(session, province, col(Contact.channel)),
        by_role=counts_by(session, province, col(Contact.role)),
        by_school_level=counts_by(session, province, col(Contact.school_level)),
    )


def recent_teachers(session: Session, province: str | None, limit: int = 30) -> list[TeacherListing]:
    """The teachers onboarded last, by first name, kabupaten/kota and level (never an address)."""
    query = select(Contact).where(*onboarded(province)).order_by(col(Contact.onboarded_at).desc()).limit(limit)
    return [listing(contact) for contact in session.exec(query).all()]


def listing(contact: Contact) -> TeacherListing:
    return TeacherListing(
        first_name=first_name(contact.name) or "—",
        regency_name=region_name(contact.regency_code) or region_name(contact.province_code) or "—",
        school_level=contact.school_level,
    )


def totals(rows: Sequence[TeacherCount]) -> dict[str, int]:
    """The counts of `rows` summed per key, over every kabupaten/kota."""
    summed: dict[str, int] = {}
    for row in rows:
        summed[row.key] = summed.get(row.key, 0) + row.teachers
    return summed
