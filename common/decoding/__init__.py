"""CTC decoders shared by speech and handwriting: greedy and beam search."""

from common.decoding.beam import CTCBeamDecoder
from common.decoding.greedy import greedy_decode
from common.decoding.hypothesis import Hypothesis, WordSpan, word_spans

__all__ = ["CTCBeamDecoder", "Hypothesis", "WordSpan", "greedy_decode", "word_spans"]
