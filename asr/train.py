"""``asr train``: the Hydra app over ``conf/asr`` (see ``common.hydra_app``)."""

from __future__ import annotations

from asr.config import register_configs
from asr.modality import ASR
from common.hydra_app import make_train_app

register_configs()
main = make_train_app("asr", ASR)

if __name__ == "__main__":
    main()
