"""The FastAPI app: routes, limits, error format and the page.

``create_app(cfg, models)`` wires the task routers (``speech_api``, ``ink_api``) to
one bounded ``JobQueue``; ``guard.RequestGuard`` caps request bodies (413) and refuses
POST bodies of the wrong media type before they are read (415). It also serves the
page (``static/``) at ``/``, ``/healthz``, ``/v1/models``, the shipped sample
recordings and the OpenAPI docs at ``/docs`` (assets served locally, no CDN). The
caller loads the models (``common.serve.models``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline

from common.serve import ink_api, speech_api
from common.serve.config import ServeConfig
from common.serve.errors import ApiError, install_error_handlers
from common.serve.guard import RequestGuard, Rule
from common.serve.jobs import JobQueue
from common.serve.models import Models, describe
from common.serve.schemas import Health

STATIC = Path(__file__).resolve().parent / "static"
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data: blob:; "
    "media-src 'self' blob:; style-src 'self'; script-src 'self'; object-src 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
SAMPLE_SUFFIXES = {".flac", ".wav", ".ogg", ".mp3"}


def sample_files() -> list[Path]:
    """The audio files in the shipped models' ``samples/`` folder."""
    from common.resources import samples_dir

    folder = samples_dir()
    found = folder.glob("*") if folder.is_dir() else []
    return sorted(p for p in found if p.suffix.lower() in SAMPLE_SUFFIXES and p.is_file())


def request_rules(cfg: ServeConfig) -> dict[str, Rule]:
    """Media types and body limits of the POST routes."""
    return {
        speech_api.URL: Rule(("multipart/form-data",), cfg.max_upload_bytes),
        ink_api.URL: Rule(("application/json",), min(cfg.max_ink_bytes, cfg.max_upload_bytes)),
    }


def create_app(cfg: ServeConfig, models: Models) -> FastAPI:
    """The server's ASGI app over already loaded ``models``."""
    cfg.check()
    queue = JobQueue(cfg.workers, cfg.queue_size)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        queue.shutdown()

    app = FastAPIOffline(  # FastAPI with the /docs assets served locally, not from a CDN
        title="inkspeech",
        summary="BiLSTM-CTC speech and online handwriting recognition",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.queue, app.state.models, app.state.config = queue, models, cfg
    install_error_handlers(app)
    app.add_middleware(RequestGuard, rules=request_rules(cfg), max_bytes=cfg.max_upload_bytes)
    app.include_router(speech_api.make_router(cfg, models, queue))
    app.include_router(ink_api.make_router(cfg, models, queue))

    @app.get("/healthz", response_model=Health, tags=["service"])
    async def healthz() -> dict:
        """Liveness: which tasks are served and how full the recognition queue is."""
        served = {"asr": models.asr is not None, "handwriting": models.ink is not None}
        return {"status": "ok", "models": served, "queue": queue.stats()}

    @app.get("/v1/models", tags=["service"])
    async def list_models() -> dict:
        """The loaded models (info, vocabulary, feature config), LMs and request limits."""
        return describe(models, cfg)

    @app.get("/v1/samples", tags=["service"])
    async def list_samples() -> list[dict]:
        """Sample recordings shipped with the speech model (e.g. two AN4 utterances)."""
        return [{"name": p.name, "url": f"/v1/samples/{p.name}"} for p in sample_files()]

    @app.get("/v1/samples/{name}", tags=["service"], response_class=FileResponse)
    async def sample(name: str) -> FileResponse:
        """One shipped sample recording."""
        found = {p.name: p for p in sample_files()}.get(name)
        if found is None:
            raise ApiError(404, f"no sample named {name!r}")
        return FileResponse(found)

    @app.get("/", include_in_schema=False)
    async def page() -> FileResponse:
        return FileResponse(STATIC / "index.html", headers=PAGE_HEADERS)

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app
