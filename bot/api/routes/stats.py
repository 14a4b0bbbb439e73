"""Statistics for staff: the activation funnel, held to the caller's province."""

from fastapi import HTTPException

from bot.activation.funnel import ActivationFunnel, activation_funnel
from bot.api.deps import Caller, CallerDep, SessionDep, staff_router
from bot.regions import all_regions, provinces
from bot.teacher_stats import TeacherCounts, teacher_counts

router = staff_router("/api/stats", ["stats"])


@router.get("/activation", response_model=ActivationFunnel)
def get_activation_funnel(
    caller: CallerDep, session: SessionDep, province: str | None = None, regency: str | None = None
) -> ActivationFunnel:
    """Per step: teachers who started, reached, got stuck at, completed it; the most common branches.

    Filters: `province` ("73") and `regency` ("73.08"). Staff see only their own province.
    """
    province = regency_province(province, regency)
    return activation_funnel(session, scoped_province(caller, province), regency)


@router.get("/teachers", response_model=TeacherCounts)
def get_teacher_counts(caller: CallerDep, session: SessionDep, province: str | None = None) -> TeacherCounts:
    """Onboarded teachers per kabupaten/kota by channel, role and school level. Staff see their own province."""
    return teacher_counts(session, scoped_province(caller, province))


def regency_province(province: str | None, regency: str | None) -> str | None:
    """The province a regency filter implies; a regency outside the province asked for is refused."""
    if regency is None:
        return province
    region = all_regions().get(regency)
    if region is None or region.kind == "provinsi":
        raise HTTPException(status_code=422, detail="unknown kabupaten/kota code")
    if province is not None and province != region.province_code:
        raise HTTPException(status_code=422, detail="the kabupaten/kota is not in that province")
    return region.province_code


def scoped_province(caller: Caller, province: str | None) -> str | None:
    if province is not None and province not in provinces():
        raise HTTPException(status_code=422, detail="unknown province code")
    return caller.scope(province)
