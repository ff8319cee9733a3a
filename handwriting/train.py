"""``handwriting train``: the Hydra app over ``conf/handwriting`` (see ``common.hydra_app``)."""

from __future__ import annotations

from common.hydra_app import make_train_app
from handwriting.config import register_configs
from handwriting.modality import HANDWRITING

register_configs()
main = make_train_app("handwriting", HANDWRITING)

if __name__ == "__main__":
    main()
