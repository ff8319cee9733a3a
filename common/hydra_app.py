"""The ``train`` Hydra app of a task: compose ``conf/<task>/train.yaml``, call ``train``.

User errors (bad data paths, refused resume, missing GPU, diverged run, a misspelt
or unset setting) end the app with one ``error: ...`` line and exit status 2, not a
traceback; ``HYDRA_FULL_ERROR=1`` shows the traceback instead.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any

import hydra
from hydra.errors import HydraException
from omegaconf import DictConfig
from omegaconf.errors import OmegaConfBaseException

from common.cli_util import report_error
from common.config import CONF_ROOT
from common.modality import Modality
from common.training import train

USER_ERRORS = (ValueError, OSError, OmegaConfBaseException, HydraException)


def make_train_app(task: str, modality: Modality) -> Callable[[], float]:
    """A Hydra entry point over ``conf/<task>`` (absolute, so it works from any caller).

    The app returns the monitored validation metric, which sweepers minimise.
    """

    @hydra.main(config_path=str(CONF_ROOT / task), config_name="train", version_base="1.3")
    def main(cfg: DictConfig) -> float:
        # Errors are reported here, inside the job, so Hydra adds no report of its own.
        metrics = run_reporting_errors(lambda: train(cfg, modality))
        key = "valid_loss" if cfg.trainer.monitor == "loss" else cfg.trainer.monitor
        return float(metrics.get(key, metrics.get("train_loss", float("nan"))))

    return lambda: run_reporting_errors(main)


def one_line(err: BaseException) -> str:
    """The first line of ``err``, and of its cause when Hydra wraps one (misspelt keys)."""
    lines = str(err).strip().splitlines()
    text = lines[0].rstrip(".") if lines else type(err).__name__
    cause = err.__cause__
    if isinstance(err, HydraException) and cause is not None and str(cause).strip():
        text += ": " + str(cause).strip().splitlines()[0]
    return text


def run_reporting_errors(app: Callable[[], Any]) -> Any:
    """``app()``; a user error or Ctrl-C becomes one ``error:`` line and ``SystemExit``.

    Wraps both the Hydra app (composition errors: Hydra is asked to raise instead of
    printing its multi-line report) and the job inside it (training errors, reported
    there so that Hydra adds no "Error executing job" line). With ``HYDRA_FULL_ERROR=1``
    set by the user, errors propagate with their traceback.
    """
    outer = _USER_FULL_ERROR[0] is None
    if outer:
        _USER_FULL_ERROR[0] = os.environ.get("HYDRA_FULL_ERROR", "")
        os.environ["HYDRA_FULL_ERROR"] = "1"
    try:
        return app()
    except USER_ERRORS as err:
        if _USER_FULL_ERROR[0] == "1":
            raise
        report_error(one_line(err))
        sys.exit(2)
    except KeyboardInterrupt:
        report_error("interrupted (continue with trainer.resume=auto)")
        sys.exit(130)
    finally:
        if outer:
            os.environ["HYDRA_FULL_ERROR"] = _USER_FULL_ERROR[0]
            _USER_FULL_ERROR[0] = None


_USER_FULL_ERROR: list[str | None] = [None]  # the user's HYDRA_FULL_ERROR while the app runs
