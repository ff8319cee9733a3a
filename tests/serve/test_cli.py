"""``inkspeech serve``: flags -> ServeConfig, one-line errors, and what reaches uvicorn."""

from __future__ import annotations

import pytest

from common.serve import cli
from common.serve.config import MB, ServeConfig
from common.serve.models import Models


def test_defaults_are_the_shipped_models_on_loopback():
    args = cli.build_parser().parse_args(["serve"])
    cfg = cli.config_from_args(args)
    assert cfg == ServeConfig()
    assert (cfg.host, cfg.port) == ("127.0.0.1", 8000)
    assert (cfg.asr_model, cfg.ink_model) == ("an4", "ink-synthetic")
    assert cfg.max_upload_bytes == 100 * MB


def test_flags_reach_the_config():
    argv = (
        "serve --asr-model none --ink-model x.pt --host 0.0.0.0 --port 9000 --max-upload-mb 2.5 "
        "--max-audio-seconds 30 --max-ink-points 1000 --workers 2 --queue-size 8 --ink-lm none"
    ).split()
    cfg = cli.config_from_args(cli.build_parser().parse_args(argv))
    assert cfg.asr_model is None and cfg.ink_model == "x.pt" and cfg.ink_lm is None
    assert (cfg.host, cfg.port, cfg.workers, cfg.queue_size) == ("0.0.0.0", 9000, 2, 8)
    assert cfg.max_upload_bytes == int(2.5 * MB) and cfg.max_audio_seconds == 30.0
    assert cfg.max_ink_points == 1000


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--asr-model", "none", "--ink-model", "none"], "nothing to serve"),
        (["--workers", "4", "--queue-size", "2"], "queue-size (2) must be >= workers (4)"),
        (["--port", "70000"], "port must be in 1..65535"),
        (["--asr-model", "no-such-model.pt"], "no-such-model.pt"),
        (["--ink-lm", "missing.arpa", "--asr-model", "none"], "--ink-lm not found"),
    ],
)
def test_user_errors_are_one_line_and_exit_2(argv, message, capsys):
    assert cli.main(["serve", *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err
    assert err.count("\n") == 1 and "Traceback" not in err


@pytest.mark.parametrize("flag", ["--port=0", "--max-upload-mb=-1", "--workers=0"])
def test_bad_numbers_are_refused_by_the_parser(flag, capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["serve", flag])
    assert exc.value.code == 2 and "error: argument" in capsys.readouterr().err


def test_serve_hands_the_app_to_uvicorn(monkeypatch, capsys):
    import uvicorn

    import common.serve.models as models

    seen = {}
    monkeypatch.setattr(models, "load_models", lambda cfg: Models())
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: seen.update(app=app, **kw))
    assert cli.main(["serve", "--host", "0.0.0.0", "--port", "8123", "--queue-size", "40"]) == 0
    assert (seen["host"], seen["port"], seen["limit_concurrency"]) == ("0.0.0.0", 8123, 80)
    assert seen["app"].state.config.queue_size == 40
    assert "no authentication" in capsys.readouterr().err
