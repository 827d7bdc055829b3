"""civitai-kit in a FastAPI application: the container's async HTTP clients live as long as the app.

The lifespan opens the container's resources and closes them on shutdown (awaited: FastAPI's old
``on_shutdown`` hooks would not wait for async resources). Endpoints get clients injected with
``Depends(Provide[...])``.

Run: ``python examples/di_fastapi.py`` calls the app in-process and prints the answers;
``python examples/di_fastapi.py --serve`` serves it with uvicorn (if installed).
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from _sandbox import civitai_options
from dependency_injector.wiring import Provide, inject
from fastapi import Depends, FastAPI, HTTPException

from civitai_kit import AsyncCivitaiClient, CivitaiApiOptions, CivitaiContainer, Failure


def create_app(options: CivitaiApiOptions) -> FastAPI:
    container = CivitaiContainer().add_civitai_api(options)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        container.wire(modules=[__name__])
        yield
        await container.shutdown_resources()  # type: ignore[misc]
        container.unwire()

    app = FastAPI(lifespan=lifespan)
    app.add_api_route("/models/{model_id}", get_model)
    app.add_api_route("/tags", list_tags)
    return app


@inject
async def get_model(
    model_id: int, client: AsyncCivitaiClient = Depends(Provide[CivitaiContainer.async_core_client])
) -> dict[str, Any]:
    result = await client.models.get_by_id(model_id)
    if isinstance(result, Failure):  # Civitai's own message and status reach the caller
        raise HTTPException(status_code=result.error.http_status or 502, detail=result.error.message)
    model = result.value
    return {"id": model.id, "name": model.name, "versions": [v.name for v in model.model_versions]}


@inject
async def list_tags(client: AsyncCivitaiClient = Depends(Provide[CivitaiContainer.async_core_client])) -> list[str]:
    page = (await client.tags.execute(limit=5)).unwrap()
    return [tag.name for tag in page.items]


def main() -> None:
    import warnings

    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

    with civitai_options() as options:
        app = create_app(options)
        if "--serve" in sys.argv:
            import uvicorn

            uvicorn.run(app)
            return
        with TestClient(app) as http:  # runs the lifespan: startup, requests, awaited shutdown
            first_tags = http.get("/tags").json()
            print("GET /tags ->", first_tags)
            print("GET /models/3036 ->", http.get("/models/3036").json())
            print("GET /models/999999999 ->", http.get("/models/999999999").json())


if __name__ == "__main__":
    main()
