"""Who a meeting or an announcement is for: the audience filter of the staff API (CONTRACT).

Within one key the values are alternatives; provinces and regencies together name one set of
places (a contact in any of them matches); places, roles and school levels must all match.
An empty audience means everyone in the caller's scope: staff are held to their own province.
"""

from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import ColumnElement, or_
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from bot import regions
from bot.errors import Forbidden
from bot.models import Contact

Role = Literal["guru", "kepala_sekolah", "operator", "tendik", "lainnya"]
SchoolLevel = Literal["paud", "sd", "smp", "sma", "smk", "slb", "lainnya"]


class AudienceCaller(Protocol):
    """What the audience needs to know about the caller (`bot.api.deps.Caller` fits)."""

    @property
    def is_admin(self) -> bool: ...

    @property
    def province(self) -> str | None: ...


class Audience(BaseModel):
    model_config = ConfigDict(extra="forbid")

    provinces: list[str] = Field(default_factory=list, max_length=40)
    regencies: list[str] = Field(default_factory=list, max_length=600)
    roles: list[Role] = Field(default_factory=list)
    school_levels: list[SchoolLevel] = Field(default_factory=list)

    @field_validator("provinces")
    @classmethod
    def _known_provinces(cls, codes: list[str]) -> list[str]:
        unknown = [code for code in codes if code not in regions.provinces()]
        if unknown:
            raise ValueError(f"unknown province codes: {', '.join(unknown)}")
        return sorted(set(codes))

    @field_validator("regencies")
    @classmethod
    def _known_regencies(cls, codes: list[str]) -> list[str]:
        known = regions.all_regions()
        unknown = [code for code in codes if code not in known or known[code].kind == "provinsi"]
        if unknown:
            raise ValueError(f"unknown kabupaten/kota codes: {', '.join(unknown)}")
        return sorted(set(codes))

    @property
    def has_places(self) -> bool:
        return bool(self.provinces or self.regencies)

    def province_codes(self) -> set[str]:
        """Every province the audience touches; all of them when it names no place."""
        if not self.has_places:
            return set(regions.provinces())
        return set(self.provinces) | {code.split(".")[0] for code in self.regencies}


def scoped(audience: Audience, caller: AudienceCaller) -> Audience:
    """The audience as the caller may send it: staff only inside their province (403 otherwise)."""
    if caller.is_admin:
        return audience
    province = caller.province or ""
    outside = [code for code in audience.provinces if code != province]
    outside += [code for code in audience.regencies if not code.startswith(province + ".")]
    if outside:
        raise Forbidden(f"outside your province: {', '.join(outside)}")
    if not audience.has_places:
        return audience.model_copy(update={"provinces": [province]})
    return audience


def zone_labels(audience: Audience) -> set[str]:
    """The time zones (WIB, WITA, WIT) the audience lives in."""
    return {regions.time_zone_of(code).label for code in audience.province_codes()}


def place_and_profile_conditions(audience: Audience) -> list[ColumnElement[bool]]:
    """The audience's places, roles and school levels as conditions on `Contact`."""
    conditions: list[ColumnElement[bool]] = []
    places = []
    if audience.provinces:
        places.append(col(Contact.province_code).in_(audience.provinces))
    if audience.regencies:
        places.append(col(Contact.regency_code).in_(audience.regencies))
    if places:
        conditions.append(or_(*places))
    if audience.roles:
        conditions.append(col(Contact.role).in_(audience.roles))
    if audience.school_levels:
        conditions.append(col(Contact.school_level).in_(audience.school_levels))
    return conditions


def contacts_query(audience: Audience) -> SelectOfScalar[Contact]:
    """Onboarded contacts (consent given, onboarding finished) that the audience names."""
    query = select(Contact).where(col(Contact.consent_given_at).is_not(None), col(Contact.onboarded_at).is_not(None))
    return query.where(*place_and_profile_conditions(audience)).order_by(col(Contact.id))


def select_contacts(session: Session, audience: Audience, caller: AudienceCaller) -> SelectOfScalar[Contact]:
    """The query of onboarded contacts the caller may reach with this audience; `Forbidden` outside
    the caller's scope. Opted-out contacts are included: each feature decides what BERHENTI means for it."""
    return contacts_query(scoped(audience, caller))
