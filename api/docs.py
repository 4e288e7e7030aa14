"""/v1/docs: Swagger UI served by chainkg itself, so it works on an intranet with no internet.

FastAPI's own page loads Swagger UI from a CDN. Its assets come here from the `fastapi-offline`
package (Swagger UI 5, which reads the OpenAPI 3.1 document FastAPI writes; `swagger-ui-bundle`
ships Swagger UI 4, which cannot); only its static folder is used, mounted under
/v1/docs/assets, and the page is FastAPI's get_swagger_ui_html pointed at it.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

DOCS_URL = "/v1/docs"
ASSETS_URL = DOCS_URL + "/assets"


def assets_dir() -> Path:
    """The folder holding swagger-ui-bundle.js, swagger-ui.css and favicon.png."""
    return Path(str(resources.files("fastapi_offline") / "static"))


def install(app: FastAPI) -> None:
    """Mount the assets and serve the page at /v1/docs (not in the OpenAPI document)."""
    openapi_url = app.openapi_url or "/v1/openapi.json"
    app.mount(ASSETS_URL, StaticFiles(directory=assets_dir()), name="docs-assets")

    async def docs(request: Request) -> HTMLResponse:
        root = str(request.scope.get("root_path", "")).rstrip("/")
        assets = root + ASSETS_URL
        return get_swagger_ui_html(
            openapi_url=root + openapi_url,
            title=f"{app.title} - Swagger UI",
            swagger_js_url=f"{assets}/swagger-ui-bundle.js",
            swagger_css_url=f"{assets}/swagger-ui.css",
            swagger_favicon_url=f"{assets}/favicon.png",
            # The online validator badge would call validator.swagger.io: none on an intranet.
            swagger_ui_parameters={"validatorUrl": None},
        )

    app.add_route(DOCS_URL, docs, include_in_schema=False)
