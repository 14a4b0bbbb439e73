"""What staff read of a meeting's reflections: each one (JSON or CSV for Excel) and the summary:
response rate, average and spread of the ratings, the most frequent themes with quotes, and how
many applied at least one of the things they wrote."""

import csv
import io
import statistics
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session, col, select

from bot.meetings.models import Invitation, Meeting
from bot.models import Contact
from bot.profile import first_name, place_text
from bot.reflections.models import Reflection
from bot.reflections.questions import Kind, questions_of
from bot.reflections.service import answered_any
from bot.reflections.themes import find_themes

BOM = "\ufeff"  # Excel reads UTF-8 (é, ñ, "Wayan Sudarsana") only with it


class ReflectionRow(BaseModel):
    id: int
    contact_id: int | None  # the owner to name in an outcome's action item
    name: str | None  # None after the teacher erased their data
    place: str | None
    rsvp: str | None
    status: str
    rating: int | None
    answers: dict[str, Any]
    applied: list[int] | None
    completed_at: datetime | None


class RatingSummary(BaseModel):
    count: int
    average: float | None
    spread: float | None  # population standard deviation
    distribution: dict[str, int]  # "1".."5" → how many


class ThemePublic(BaseModel):
    word: str
    count: int
    examples: list[str]


class ReflectionSummary(BaseModel):
    asked: int
    answered: int
    response_rate: float | None  # answered / asked
    rating: RatingSummary
    themes: list[ThemePublic]
    followups_sent: int
    followups_answered: int
    applied_at_least_one: float | None  # of the follow-ups answered
    applied_text: str | None  # "62% applied at least one"


class ReflectionReport(BaseModel):
    meeting_id: int
    title: str
    question_set: str
    summary: ReflectionSummary
    reflections: list[ReflectionRow]


def rows_of(session: Session, meeting: Meeting) -> Sequence[tuple[Reflection, Contact | None, str | None]]:
    return session.exec(
        select(Reflection, Contact, Invitation.rsvp)
        .outerjoin(Contact, col(Contact.id) == col(Reflection.contact_id))
        .outerjoin(
            Invitation,
            (col(Invitation.meeting_id) == col(Reflection.meeting_id))
            & (col(Invitation.contact_id) == col(Reflection.contact_id)),
        )
        .where(Reflection.meeting_id == meeting.id)
        .order_by(col(Reflection.id))
    ).all()


def rating_summary(ratings: list[int]) -> RatingSummary:
    distribution = {str(value): ratings.count(value) for value in range(1, 6)}
    if not ratings:
        return RatingSummary(count=0, average=None, spread=None, distribution=distribution)
    average = round(statistics.fmean(ratings), 2)
    return RatingSummary(
        count=len(ratings), average=average, spread=round(statistics.pstdev(ratings), 2), distribution=distribution
    )


def free_texts(reflection: Reflection, meeting: Meeting) -> str:
    """The reflection's words (free text and things), one text for the themes."""
    parts: list[str] = []
    for question in questions_of(meeting.question_set):
        value = reflection.answers.get(question.id)
        if question.kind == Kind.TEXT and isinstance(value, str):
            parts.append(value)
        elif question.kind == Kind.THREE and isinstance(value, list):
            parts.extend(str(item) for item in value)
    return "\n".join(parts)


def ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


def summarise(meeting: Meeting, reflections: list[Reflection]) -> ReflectionSummary:
    asked = [reflection for reflection in reflections if reflection.prompted_at is not None]
    answered = [reflection for reflection in asked if answered_any(reflection) or reflection.rating is not None]
    texts = [text for text in (free_texts(reflection, meeting) for reflection in answered) if text]
    followed = [reflection for reflection in reflections if reflection.followup_sent_at is not None]
    replied = [reflection for reflection in followed if reflection.applied is not None]
    applied = ratio(sum(1 for reflection in replied if reflection.applied), len(replied))
    return ReflectionSummary(
        asked=len(asked),
        answered=len(answered),
        response_rate=ratio(len(answered), len(asked)),
        rating=rating_summary([reflection.rating for reflection in reflections if reflection.rating is not None]),
        themes=[ThemePublic(word=t.word, count=t.count, examples=t.examples) for t in find_themes(texts)],
        followups_sent=len(followed),
        followups_answered=len(replied),
        applied_at_least_one=applied,
        applied_text=f"{round(applied * 100)}% applied at least one" if applied is not None else None,
    )


def reflection_report(session: Session, meeting: Meeting) -> ReflectionReport:
    rows = rows_of(session, meeting)
    reflections = [
        ReflectionRow(
            id=reflection.id or 0,
            contact_id=reflection.contact_id,
            name=first_name(contact.name) if contact else None,  # staff see first names only
            place=place_text(contact) if contact else None,
            rsvp=rsvp,
            status=reflection.status,
            rating=reflection.rating,
            answers=reflection.answers,
            applied=reflection.applied,
            completed_at=reflection.completed_at,
        )
        for reflection, contact, rsvp in rows
    ]
    summary = summarise(meeting, [reflection for reflection, _, _ in rows])
    return ReflectionReport(
        meeting_id=meeting.id or 0,
        title=meeting.title,
        question_set=meeting.question_set,
        summary=summary,
        reflections=reflections,
    )


def csv_columns(meeting: Meeting) -> list[str]:
    columns = ["id", "name", "place", "rsvp", "status", "rating"]
    for question in questions_of(meeting.question_set):
        if question.kind == Kind.THREE:
            columns += [f"{question.id}_{number}" for number in range(1, 4)]
        elif question.kind == Kind.TEXT:
            columns.append(question.id)
    return [*columns, "applied", "completed_at"]


def csv_row(row: ReflectionRow, meeting: Meeting) -> list[str]:
    values = [str(row.id), row.name or "", row.place or "", row.rsvp or "", row.status, str(row.rating or "")]
    for question in questions_of(meeting.question_set):
        value = row.answers.get(question.id)
        if question.kind == Kind.THREE:
            things = [str(item) for item in value] if isinstance(value, list) else []
            values += [*things, "", "", ""][:3]
        elif question.kind == Kind.TEXT:
            values.append(str(value or ""))
    applied = " ".join(str(number) for number in row.applied or [])
    return [*values, applied, row.completed_at.isoformat() if row.completed_at else ""]


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def inert(cell: str) -> str:
    """A teacher's text that Excel would run as a formula ("=HYPERLINK(…)") is kept as text."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def reflections_csv(report: ReflectionReport, meeting: Meeting) -> str:
    """The reflections as CSV, UTF-8 with a byte-order mark so Excel shows Indonesian names right."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(csv_columns(meeting))
    writer.writerows([inert(cell) for cell in csv_row(row, meeting)] for row in report.reflections)
    return BOM + buffer.getvalue()
