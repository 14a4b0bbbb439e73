"""Staff accounts (admin only)."""

from fastapi import HTTPException

from bot.api.deps import AdminDep, SessionDep, staff_router
from bot.regions import provinces
from bot.staff import Staff, StaffCreate, StaffCreated, new_token

router = staff_router("/api/staff", ["staff"])


@router.post("", status_code=201, response_model=StaffCreated)
def create_staff(body: StaffCreate, _admin: AdminDep, session: SessionDep) -> StaffCreated:
    """Create a staff member; the token is shown once and only its hash is kept."""
    if body.role == "staff" and body.province not in provinces():
        raise HTTPException(status_code=422, detail="staff need a valid province code")
    token, token_hash = new_token()
    staff = Staff(name=body.name, role=body.role, province=body.province, token_hash=token_hash)
    session.add(staff)
    session.flush()
    assert staff.id is not None
    return StaffCreated(
        id=staff.id, name=staff.name, role=body.role, province=staff.province, created_at=staff.created_at, token=token
    )
