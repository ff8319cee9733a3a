"""The one-call handwriting API on the shipped ink model and synthesised lines."""

from __future__ import annotations

import json

import numpy as np
import pytest

import handwriting
from common.metrics import char_errors
from handwriting.api import flip_y
from handwriting.features import feature_point_index, featurize, featurize_tracked
from handwriting.ink import InkError
from handwriting.synth import make_writers, synthesize_line
from handwriting.writers import write_json_ink

TEXT = "Hello World"


@pytest.fixture(scope="module")
def rec():
    return handwriting.load(device="cpu")


@pytest.fixture(scope="module")
def line():
    _, writers = make_writers(1, 2, 5)  # held-out writers and fonts
    return synthesize_line(TEXT, writers[0], np.random.default_rng(1))


def test_recognize_a_synthesised_line_with_spans_on_the_ink(rec, line):
    r = rec.recognize(line)
    assert char_errors(TEXT, r.text).errors <= 1, r.text
    assert [w.text for w in r.words] == r.text.split()
    assert "".join(c.text for c in r.chars) == r.text.replace(" ", "")
    starts = [c.start for c in r.chars]
    assert starts == sorted(starts) and r.chars[-1].end <= line.num_points
    for span in r.chars + r.words:
        assert 0 <= span.start < span.end <= line.num_points
        assert span.start_time <= span.end_time
    assert r.words[0].start <= r.chars[0].start and r.words[-1].end >= r.chars[-1].end
    doc = r.to_dict()
    json.dumps(doc)
    assert set(doc["words"][0]) == {"text", "start_point", "end_point", "start_time", "end_time"}


def test_every_input_kind_gives_the_same_result(rec, line, tmp_path):
    path = write_json_ink(line, tmp_path / "line.json")
    as_dict = json.loads(path.read_text())
    texts = {rec.recognize(x).text for x in (line, path, str(path), as_dict)}
    assert len(texts) == 1
    many = rec.recognize_many([line, path], batch_size=1)
    assert [r.text for r in many] == [rec.recognize(line).text] * 2
    with pytest.raises(InkError):
        rec.recognize_many([line, {"strokes": []}])


def test_y_up_mirrors_the_ink_before_reading(rec, line):
    mirrored = flip_y(line)
    assert np.array_equal(mirrored.points[:, 1], -line.points[:, 1])
    assert rec.recognize(mirrored, y_up=True).text == rec.recognize(line).text
    assert rec.recognize(line, y_up=True).text != rec.recognize(line).text


def test_nbest(rec, line):
    r = rec.recognize(line, nbest=3)
    assert len(r.nbest) == 3 and r.nbest[0].text == r.text
    assert [a.score for a in r.nbest] == sorted((a.score for a in r.nbest), reverse=True)


def test_features_are_fitted_once_and_equal_the_training_features(rec, line):
    cfg = rec.features
    frames, point_map = featurize_tracked(line, cfg)
    assert np.array_equal(frames.numpy(), featurize(line, cfg, False, None).numpy())
    assert np.array_equal(point_map, feature_point_index(line, cfg))
