"""The staff API's documentation page at `/docs`, served with the app's own copy of Swagger UI
(`bot/static/swagger/`), so it works on a network without internet access."""

from functools import cache
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

SWAGGER_FILES = Path(__file__).parent / "static" / "swagger"
DOCS_URL = "/docs"
STATIC_URL = "/docs/static"
# No badge from validator.swagger.io: the page asks nothing of any other host.
SWAGGER_PARAMETERS = {"validatorUrl": None, "persistAuthorization": True}
# Kept and sent gzipped: 1.7 MB of JavaScript is 0.5 MB on the wire (and in the repository).
BUNDLE_GZIP = SWAGGER_FILES / "swagger-ui-bundle.js.gz"


@cache
def bundle_gzip() -> bytes:
    return BUNDLE_GZIP.read_bytes()


def add_docs_routes(app: FastAPI) -> None:
    """`/docs` and its files; the app must be created with `docs_url=None, redoc_url=None`."""
    @app.get(f"{STATIC_URL}/swagger-ui-bundle.js", include_in_schema=False)
    async def bundle() -> Response:
        headers = {"Content-Encoding": "gzip", "Cache-Control": "public, max-age=86400"}
        return Response(bundle_gzip(), media_type="application/javascript", headers=headers)

    app.mount(STATIC_URL, StaticFiles(directory=SWAGGER_FILES), name="swagger")

    @app.get(DOCS_URL, include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} — dokumentasi",
            swagger_js_url=f"{STATIC_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{STATIC_URL}/swagger-ui.css",
            swagger_favicon_url=f"{STATIC_URL}/favicon-32x32.png",
            swagger_ui_parameters=SWAGGER_PARAMETERS,
        )
