"""N-gram language models for the decoder: modified Kneser-Ney estimation to ARPA."""

from common.lm.arpa_writer import LMBuildError, build_arpa, format_arpa, write_arpa
from common.lm.cli import add_lm_parser
from common.lm.kneser_ney import NgramModel, estimate
from common.lm.text import SPACE_TOKEN, alphabet_normalizer, normalize_sentence, sentence_tokens

__all__ = [
    "SPACE_TOKEN",
    "LMBuildError",
    "NgramModel",
    "add_lm_parser",
    "alphabet_normalizer",
    "build_arpa",
    "estimate",
    "format_arpa",
    "normalize_sentence",
    "sentence_tokens",
    "write_arpa",
]
