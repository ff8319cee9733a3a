"""``inkspeech serve``: load the models and run the web server (uvicorn).

The console script ``inkspeech`` (``common.serve.cli:main``). Models are loaded
before the port is bound, so a bad ``--asr-model`` is one ``error:`` line and exit
status 2, never a traceback. Binds to 127.0.0.1 unless ``--host`` says otherwise.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import fields

from common.cli_util import positive_float, positive_int, report_error
from common.serve.config import LOOPBACK_HOSTS, MB, ServeConfig

NONE = "none"
DEFAULTS = {f.name: f.default for f in fields(ServeConfig)}


def _model(text: str) -> str | None:
    return None if text.lower() == NONE else text


def _add_model_arguments(p: argparse.ArgumentParser) -> None:
    d = DEFAULTS
    p.add_argument(
        "--asr-model",
        type=_model,
        default=d["asr_model"],
        metavar="NAME|CKPT",
        help=f"speech model: a shipped name, a checkpoint, or '{NONE}' (default: {d['asr_model']})",
    )
    p.add_argument(
        "--ink-model",
        type=_model,
        default=d["ink_model"],
        metavar="NAME|CKPT",
        help=f"handwriting model: a shipped name, a checkpoint, or '{NONE}' "
        f"(default: {d['ink_model']})",
    )
    p.add_argument(
        "--ink-lm",
        type=_model,
        default=d["ink_lm"],
        metavar="ARPA|builtin|none",
        help="character LM behind the page's LM toggle; builtin: a 6-gram of the "
        "shipped English sentences, built at start-up (default: builtin)",
    )
    p.add_argument(
        "--asr-lm",
        default=None,
        metavar="ARPA",
        help="word LM (ARPA or KenLM binary) requests may switch on (default: none)",
    )
    p.add_argument(
        "--device",
        default=d["device"],
        help="auto (a CUDA GPU when there is one, else cpu), cpu, cuda or cuda:N (default: auto)",
    )


def _add_limit_arguments(p: argparse.ArgumentParser) -> None:
    d = DEFAULTS
    p.add_argument(
        "--max-upload-mb",
        type=positive_float,
        default=d["max_upload_bytes"] / MB,
        help="largest request body in MB; larger ones get 413 (default: 100)",
    )
    p.add_argument(
        "--max-audio-seconds",
        type=positive_float,
        default=d["max_audio_seconds"],
        help="longest audio accepted (413 beyond; default: 600)",
    )
    p.add_argument(
        "--max-ink-points",
        type=positive_int,
        default=d["max_ink_points"],
        help="most ink points accepted (413 beyond; default: 50000)",
    )
    p.add_argument(
        "--workers",
        type=positive_int,
        default=d["workers"],
        help="recognitions run at once, each on its own thread (default: 1)",
    )
    p.add_argument(
        "--queue-size",
        type=positive_int,
        default=d["queue_size"],
        help="recognitions admitted at once, running or waiting; more get 503 (default: 32)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="inkspeech",
        description="inkspeech: speech and online handwriting recognition as a web service.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    p = sub.add_parser(
        "serve",
        help="serve the web page and HTTP API (http://127.0.0.1:8000/)",
        description="Serve both recognizers: the page at /, the API under /v1, docs at /docs.",
    )
    p.add_argument(
        "--host",
        default=DEFAULTS["host"],
        help="address to bind (default: 127.0.0.1, this machine only)",
    )
    p.add_argument(
        "--port", type=positive_int, default=DEFAULTS["port"], help="TCP port (default: 8000)"
    )
    _add_model_arguments(p)
    _add_limit_arguments(p)
    return parser


def config_from_args(args: argparse.Namespace) -> ServeConfig:
    """The ``ServeConfig`` of parsed ``serve`` arguments (checked)."""
    cfg = ServeConfig(
        asr_model=args.asr_model,
        ink_model=args.ink_model,
        ink_lm=args.ink_lm,
        asr_lm=args.asr_lm,
        device=args.device,
        host=args.host,
        port=args.port,
        max_upload_bytes=int(args.max_upload_mb * MB),
        max_audio_seconds=args.max_audio_seconds,
        max_ink_points=args.max_ink_points,
        workers=args.workers,
        queue_size=args.queue_size,
    )
    cfg.check()
    if cfg.asr_model is None and cfg.ink_model is None:
        raise ValueError("nothing to serve: both --asr-model and --ink-model are 'none'")
    return cfg


def serve(cfg: ServeConfig) -> int:
    """Load the models, then run uvicorn until interrupted."""
    import uvicorn

    from common.serve.app import create_app
    from common.serve.models import load_models

    app = create_app(cfg, load_models(cfg))
    if cfg.host not in LOOPBACK_HOSTS:
        print(
            f"warning: listening on {cfg.host}: anyone who can reach it can use the "
            "models (there is no authentication)",
            file=sys.stderr,
        )
    # Connections beyond the queue (plus page and health requests) get 503 from uvicorn.
    limit = max(64, 2 * cfg.queue_size)
    uvicorn.run(app, host=cfg.host, port=cfg.port, limit_concurrency=limit, log_level="info")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return serve(config_from_args(args))
    except (ValueError, OSError) as err:
        report_error(str(err))
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
