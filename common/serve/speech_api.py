"""``POST /v1/asr/transcribe``: an uploaded audio file -> transcript with word timings.

The upload is copied to a temporary file and goes through the CLI's reader
(``asr.audio``: anything libsndfile reads, down-mixed and resampled) via the one-call
API. The header is checked first: a file libsndfile cannot open is 415, one longer
than ``max_audio_seconds`` is 413, both before any sample is decoded; unusable
samples are 422. The temporary file belongs to the job, which deletes it.
"""

# No `from __future__ import annotations`: FastAPI reads the route signatures at run time.

import shutil
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, UploadFile
from starlette.concurrency import run_in_threadpool

from common.config import DecoderConfig
from common.serve.config import ServeConfig
from common.serve.errors import ApiError
from common.serve.jobs import JobQueue, run_queued
from common.serve.models import Models
from common.serve.options import DecoderKind, decoder_config, requested_lm
from common.serve.schemas import Error, Transcript

URL = "/v1/asr/transcribe"
ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": Error} for status in (413, 415, 422, 503)
}


def client_name(filename: str | None) -> str:
    """The upload's base name, for error messages (never a server path)."""
    name = Path(filename or "").name[:120]
    return name or "upload"


def spool(upload: UploadFile) -> Path:
    """Copy the uploaded file to a named temporary file (blocking; run off the loop)."""
    suffix = Path(upload.filename or "").suffix[:10]
    with tempfile.NamedTemporaryFile(prefix="inkspeech-", suffix=suffix, delete=False) as out:
        upload.file.seek(0)
        shutil.copyfileobj(upload.file, out, 1024 * 1024)
    return Path(out.name)


def transcribe_file(
    rec: Any, path: Path, name: str, decoder: DecoderConfig, max_seconds: float
) -> dict:
    """Check and transcribe the spooled upload ``path``; always deletes it.

    Raises:
        ApiError: 415 unreadable, 413 too long, 422 bad samples or decoder setup.
    """
    from asr.audio import AudioError, audio_duration

    try:
        try:
            duration = audio_duration(path)
        except AudioError as err:
            raise ApiError(415, str(err).replace(str(path), name)) from err
        if duration > max_seconds:
            raise ApiError(413, f"{name}: {duration:.1f} s of audio (limit {max_seconds:g} s)")
        try:
            result = rec.transcribe(path, decoder=decoder, nbest=decoder.nbest)
        except ValueError as err:
            raise ApiError(422, str(err).replace(str(path), name)) from err
        return result.to_dict()
    finally:
        path.unlink(missing_ok=True)


def make_router(cfg: ServeConfig, models: Models, queue: JobQueue) -> APIRouter:
    """The speech route, bound to the loaded recognizer and the shared queue."""
    router = APIRouter(tags=["speech"])

    @router.post(URL, response_model=Transcript, responses=ERRORS)
    async def transcribe(
        file: Annotated[UploadFile, File(description="audio: WAV, FLAC, OGG, Sphere, MP3 ...")],
        decoder: Annotated[DecoderKind, Form()] = "greedy",
        beam_size: Annotated[int | None, Form(ge=1, le=cfg.max_beam_size)] = None,
        nbest: Annotated[int, Form(ge=1, le=cfg.max_nbest)] = 1,
        hotwords: Annotated[str, Form(max_length=4000, description="comma-separated")] = "",
        lm: Annotated[bool, Form(description="use the server's word LM (--asr-lm)")] = False,
    ) -> dict:
        """Transcribe one audio file: text, word start/end seconds, duration, n-best."""
        if models.asr is None:
            raise ApiError(503, "this server was started without a speech model")
        lm_path = requested_lm(lm, models.asr_lm, "speech")
        options = decoder_config("asr", decoder, beam_size, nbest, lm_path, hotwords)
        path = await run_in_threadpool(spool, file)
        args = (models.asr, path, client_name(file.filename), options, cfg.max_audio_seconds)
        try:
            return await run_queued(queue, transcribe_file, *args)
        finally:  # the job deletes it too; this covers a full queue or a gone client
            path.unlink(missing_ok=True)

    return router
