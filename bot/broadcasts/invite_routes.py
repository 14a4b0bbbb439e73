"""`GET /api/invite-links`: links and QR codes that start onboarding in one kabupaten/kota."""

from typing import Annotated, Any

from fastapi import HTTPException, Query, Request, Response

from bot import regions
from bot.api.deps import Caller, CallerDep, staff_router
from bot.broadcasts.invites import Channel, InviteLinks, QrFormat, invite_links, qr_image
from bot.config import Settings

router = staff_router("/api/invite-links", ["invitations"])
RegencyCode = Annotated[str, Query(pattern=r"^\d{2}\.\d{2}$", description='a kabupaten/kota, "73.08"')]
MEDIA_TYPES = {"png": "image/png", "svg": "image/svg+xml"}


def links_for(request: Request, caller: Caller, regency: str) -> InviteLinks:
    if regency not in regions.regencies():
        raise HTTPException(status_code=422, detail=f"unknown kabupaten/kota code: {regency}")
    if not caller.is_admin and not regency.startswith(f"{caller.province}."):
        raise HTTPException(status_code=403, detail=f"outside your province: {regency}")
    settings: Settings = request.app.state.runtime.settings
    return invite_links(settings, regency)


@router.get("", response_model=InviteLinks)
def get_links(regency: RegencyCode, request: Request, caller: CallerDep) -> InviteLinks:
    """The Telegram and WhatsApp links of a kabupaten/kota, with the paths of their QR codes."""
    return links_for(request, caller, regency)


QR_CONTENT: dict[str, Any] = {media: {} for media in MEDIA_TYPES.values()}
QR_RESPONSE: dict[int | str, dict[str, Any]] = {200: {"description": "the QR code", "content": QR_CONTENT}}


@router.get("/qr.{kind}", response_class=Response, responses=QR_RESPONSE)
def get_qr(kind: QrFormat, regency: RegencyCode, channel: Channel, request: Request, caller: CallerDep) -> Response:
    """One link as a QR code (PNG or SVG)."""
    link = getattr(links_for(request, caller, regency), channel)
    if link is None:
        raise HTTPException(status_code=404, detail=f"{channel} is not configured")
    filename = f"gurubot-{channel}-{regency}.{kind}"
    headers = {"Content-Disposition": f'inline; filename="{filename}"'}
    return Response(qr_image(link, kind), media_type=MEDIA_TYPES[kind], headers=headers)
