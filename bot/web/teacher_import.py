"""The teachers page's CSV import: the same all-or-nothing import as `gurubot import`
(`bot.broadcasts.importing`), held to the province in view, with its row report in Indonesian."""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.datastructures import UploadFile

from bot.api.deps import SessionDep
from bot.broadcasts.importing import ImportRejected, import_into
from bot.clock import utcnow
from bot.web.overview import teachers_page
from bot.web.pages import FormDep, ViewerDep

router = APIRouter(prefix="/staff", include_in_schema=False)
# The importer's words (shared with the terminal) as staff read them here; the rest stays as it is.
WORDS = (
    ("row ", "baris "),
    ("not a valid phone number", "nomor telepon tidak valid"),
    ("unknown kabupaten/kota in", "kabupaten/kota tidak dikenal di"),
    ("unknown province", "provinsi tidak dikenal"),
    ("unknown role", "peran tidak dikenal"),
    ("unknown school level", "jenjang tidak dikenal"),
    ("name is missing", "nama kosong"),
    ("the same phone as baris", "nomor telepon sama dengan baris"),
    ("already registered", "sudah terdaftar"),
    ("outside your province", "di luar provinsi Anda"),
    ("missing column(s)", "kolom tidak ada"),
    ("; expected", "; kolom yang dikenal"),
    ("the file is not UTF-8", "berkas bukan UTF-8"),
    (": save it as CSV UTF-8", ": simpan ulang sebagai CSV UTF-8"),
)


def in_indonesian(problem: str) -> str:
    text = problem
    for english, indonesian in WORDS:
        text = text.replace(english, indonesian)
    if ": (" in text:  # phonenumbers' own message: not a number at all
        text = text.split(": (")[0] + ": nomor telepon tidak valid"
    return text


@router.post("/guru/impor", response_class=HTMLResponse)
def import_csv(request: Request, viewer: ViewerDep, form: FormDep, session: SessionDep) -> HTMLResponse:
    """Import the uploaded CSV for the province in view; every bad row is reported, nothing imported."""
    upload = form.get("berkas")
    if viewer.province is None:
        return teachers_page(request, viewer, session, 422, import_problem="Pilih satu provinsi dulu.")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return teachers_page(request, viewer, session, 422, import_problem="Pilih berkas CSV dulu.")
    try:
        count = import_into(session, upload.file.read(), utcnow(), province=viewer.province)
    except ImportRejected as error:
        return teachers_page(request, viewer, session, 422, **rejection(error))
    session.commit()
    return teachers_page(request, viewer, session, imported=count)


def rejection(error: ImportRejected) -> dict[str, Any]:
    if not error.problems:  # the file as a whole: its encoding or columns
        return {"import_problem": in_indonesian(str(error))}
    summary = f"{len(error.problems)} baris salah; tidak ada yang diimpor."
    return {"import_problem": summary, "bad_rows": [in_indonesian(problem) for problem in error.problems]}
