"""`/docs` works on a network without internet access: every file it loads comes from the app."""

import re

from tests.factories import Harness

ADDRESS = re.compile(r"""(?:src|href|url)\s*[=:]\s*["']([^"']+)["']""")


async def test_the_docs_page_loads_only_files_the_app_serves(harness: Harness) -> None:
    page = await harness.client.get("/docs")
    assert page.status_code == 200 and "SwaggerUIBundle" in page.text
    addresses = ADDRESS.findall(page.text)
    assert {"/openapi.json", "/docs/static/swagger-ui-bundle.js", "/docs/static/swagger-ui.css"} <= set(addresses)
    assert all(address.startswith("/") and not address.startswith("//") for address in addresses), addresses
    assert "http://" not in page.text and "https://" not in page.text
    assert '"validatorUrl": null' in page.text  # no badge fetched from validator.swagger.io
    for address in addresses:
        response = await harness.client.get(address)
        assert response.status_code == 200, address
    script = await harness.client.get("/docs/static/swagger-ui-bundle.js")
    assert "javascript" in script.headers["content-type"] and len(script.content) > 100_000


async def test_the_docs_page_reads_the_openapi_31_schema(harness: Harness) -> None:
    schema = (await harness.client.get("/openapi.json")).json()
    assert schema["openapi"].startswith("3.1")  # Swagger UI 5 renders 3.1; the 4.x of swagger-ui-bundle did not
    bundle = (await harness.client.get("/docs/static/swagger-ui-bundle.js")).text
    assert re.search(r"""version\s*[:=]\s*["']5\.\d+""", bundle) or "5.35.0" in bundle
    assert (await harness.client.get("/redoc")).status_code == 404  # it would load redoc from a CDN
