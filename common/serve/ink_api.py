"""``POST /v1/handwriting/recognize``: JSON ink -> text, n-best and spans on the ink.

The body is the project's JSON ink format (``handwriting.readers.json_ink``:
``{"strokes": [[[x, y, t], ...], ...]}``, y down unless ``y_up``) and goes through the
CLI's parser and checks (``parse_json_ink``). The body size is capped before it is
read (``max_ink_bytes``, ``common.serve.guard``), the point count before the ink is
built (413); malformed JSON or invalid ink is 422. Parsing and recognition both run
on a worker, off the event loop.
"""

# No `from __future__ import annotations`: FastAPI reads the route signatures at run time.

import json
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from common.config import DecoderConfig
from common.serve.config import ServeConfig
from common.serve.errors import ApiError
from common.serve.jobs import JobQueue, run_queued
from common.serve.models import Models
from common.serve.options import DecoderKind, decoder_config, requested_lm
from common.serve.schemas import Error, Recognition

URL = "/v1/handwriting/recognize"
ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": Error} for status in (413, 415, 422, 503)
}
EXAMPLE = {"strokes": [[[10, 40, 0.0], [12, 20, 0.01], [14, 0, 0.02]], [[30, 30, 0.2]]]}
BODY_DOC = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["strokes"],
                    "properties": {
                        "strokes": {
                            "type": "array",
                            "description": "strokes of [x, y] or [x, y, t] points (t seconds)",
                            "items": {"type": "array", "items": {"type": "array"}},
                        },
                        "text": {"type": "string"},
                        "id": {"type": "string"},
                    },
                },
                "example": EXAMPLE,
            }
        },
    }
}


def decode_body(body: bytes, max_points: int) -> Any:
    """The JSON ink document of ``body``; raises 422 (malformed) or 413 (too many points)."""
    from handwriting.readers.json_ink import parse_json_ink

    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ApiError(422, f"malformed JSON ({err})") from err
    except RecursionError as err:
        raise ApiError(422, "malformed JSON (nested too deeply)") from err
    strokes = data.get("strokes") if isinstance(data, dict) else None
    if isinstance(strokes, list):
        points = sum(len(s) for s in strokes if isinstance(s, list))
        if points > max_points:
            raise ApiError(413, f"ink has {points} points (limit {max_points})")
    try:
        return parse_json_ink(data, where="ink")
    except ValueError as err:
        raise ApiError(422, str(err)) from err


def recognize_body(
    rec: Any, body: bytes, decoder: DecoderConfig, y_up: bool, max_points: int
) -> dict:
    """Parse, check and recognise one JSON ink body; the response document."""
    ink = decode_body(body, max_points)
    try:
        result = rec.recognize(ink, y_up=y_up, decoder=decoder, nbest=decoder.nbest)
    except ValueError as err:
        raise ApiError(422, str(err)) from err
    doc = result.to_dict()
    return {
        "text": doc["text"],
        "score": doc["score"],
        "nbest": doc["nbest"],
        "spans": {"chars": doc["chars"], "words": doc["words"]},
        "points": ink.num_points,
    }


def make_router(cfg: ServeConfig, models: Models, queue: JobQueue) -> APIRouter:
    """The handwriting route, bound to the loaded recognizer and the shared queue."""
    router = APIRouter(tags=["handwriting"])

    @router.post(
        URL,
        response_model=Recognition,
        responses=ERRORS,
        openapi_extra=BODY_DOC,
    )
    async def recognize(
        request: Request,
        decoder: DecoderKind = "greedy",
        beam_size: Annotated[int | None, Query(ge=1, le=cfg.max_beam_size)] = None,
        nbest: Annotated[int, Query(ge=1, le=cfg.max_nbest)] = 1,
        lm: Annotated[bool, Query(description="use the server's character LM")] = False,
        y_up: Annotated[bool, Query(description="y points up (default: down)")] = False,
    ) -> dict:
        """Recognise one line of ink: text, n-best, and each character's and word's points."""
        if models.ink is None:
            raise ApiError(503, "this server was started without a handwriting model")
        lm_path = requested_lm(lm, models.ink_lm, "handwriting")
        options = decoder_config("handwriting", decoder, beam_size, nbest, lm_path)
        body = await request.body()
        args = (models.ink, body, options, y_up, cfg.max_ink_points)
        return await run_queued(queue, recognize_body, *args)

    return router
