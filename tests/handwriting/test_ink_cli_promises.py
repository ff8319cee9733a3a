"""What ``handwriting`` promises its users, each checked against a truth worked out by hand.

The ink flow (reader -> features -> model -> decoder -> output) runs in process through
``handwriting.cli.main`` with the shipped ``ink-synthetic`` model. Its inputs are lines
set in Hershey vector fonts (the styles the model was trained on) straight from the font
tables, so what the model should read is known: it reads "open the door" and, in the
``rowmans`` font, "Hello World"; in ``timesr`` it takes the serif N of "Good Night" for a K
("Good Kight", "Good Night" a close second); a character LM of the right text repairs it
(no word of it reads "Kight").
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import common.recognizer
import common.scoring
from handwriting.cli import build_parser, main
from handwriting.writers import write_iam_ondb_line, write_json_ink


def run(capsys, *argv: str) -> tuple[int, str, str]:
    """``handwriting ARGV --device cpu`` in process: (exit status, stdout, stderr)."""
    code = main([*argv, "--device", "cpu"])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture(scope="module")
def lines(tmp_path_factory, hershey_ink) -> dict[str, Path]:
    """JSON ink files: door (rowmans), hello (rowmans), night (timesr)."""
    root = tmp_path_factory.mktemp("lines")
    for name, text, font in (
        ("door", "open the door", "rowmans"),
        ("hello", "Hello World", "rowmans"),
        ("night", "Good Night", "timesr"),
    ):
        write_json_ink(hershey_ink(text, font), root / f"{name}.json")
    return {p.stem: p for p in root.glob("*.json")}


def build_char_lm(capsys, tmp_path: Path, sentence: str) -> str:
    """A character LM of ``sentence`` (x5) written by ``handwriting lm build``."""
    (tmp_path / "lm.txt").write_text((sentence + "\n") * 5)
    lm = tmp_path / "chars.arpa"
    assert main(["lm", "build", str(tmp_path / "lm.txt"), "-o", str(lm), "--order", "4"]) == 0
    capsys.readouterr()
    return str(lm)


def test_lm_subcommand_builds_character_models_by_default(capsys, tmp_path):
    args = build_parser().parse_args(["lm", "build", "t.txt", "-o", "lm.arpa"])
    assert (args.command, args.lm_command, args.unit) == ("lm", "build", "char")
    lm = build_char_lm(capsys, tmp_path, "Hi, Bo")
    arpa = Path(lm).read_text()
    unigrams = {
        line.split("\t")[1] for line in arpa.split("\\2-grams:")[0].splitlines() if "\t" in line
    }
    assert unigrams == {"<s>", "</s>", "<unk>", "<sp>", "H", "i", ",", "B", "o"}


def test_recognize_reads_the_lines(capsys, lines):
    code, out, _ = run(capsys, "recognize", str(lines["door"]), str(lines["hello"]))
    assert code == 0 and [r.split("\t")[1] for r in out.splitlines()] == [
        "open the door",
        "Hello World",
    ]


def test_lm_flag_changes_the_recognised_text(capsys, lines, tmp_path):
    code, out, _ = run(capsys, "recognize", str(lines["night"]))
    assert code == 0 and out == "Good Kight\n"
    lm = build_char_lm(capsys, tmp_path, "Good Night")
    code, out, _ = run(capsys, "recognize", str(lines["night"]), "--lm", lm)
    assert code == 0 and out == "Good Night\n"  # "Kight" is no word of the LM
    code, out, _ = run(capsys, "recognize", str(lines["night"]), "--lm", lm, "--alpha", "0")
    assert code == 0 and out == "Good Kight\n"  # weighed out, the LM changes nothing


def test_hotword_flag_boosts_its_word(capsys, lines):
    code, out, _ = run(capsys, "recognize", str(lines["night"]), "--hotword", "Night")
    assert code == 0 and out == "Good Night\n"


@pytest.mark.parametrize("command", ["recognize", "evaluate"])
def test_beam_size_and_merge_flags_reach_the_decoder(capsys, monkeypatch, lines, tmp_path, command):
    """What the decoder does with them is shown on built emissions in
    ``tests/common/decoding/test_decoder_promises.py``; here each command passes them on."""
    module = common.recognizer if command == "recognize" else common.scoring
    seen, real = [], module.make_decoder
    monkeypatch.setattr(module, "make_decoder", lambda cfg, a: seen.append(cfg) or real(cfg, a))
    data = lines["door"] if command == "recognize" else manifest(tmp_path, [(lines["door"], "x")])
    code, _, _ = run(capsys, command, str(data), "--beam-size", "3", "--merge", "max")
    assert code == 0 and [(c.kind, c.beam_size, c.merge) for c in seen] == [("beam", 3, "max")]


def manifest(tmp_path: Path, rows: list[tuple[Path, str]]) -> Path:
    path = tmp_path / "data.jsonl"
    entries = [{"ink_filepath": str(p), "text": t, "id": p.stem} for p, t in rows]
    path.write_text("".join(json.dumps(e) + "\n" for e in entries))
    return path


def test_evaluate_scores_hypotheses_against_the_references(capsys, lines, tmp_path):
    # the door line's truth is deliberately wrong: "open a door" against the ink's
    # "open the door" is 1 word of 3, and a -> the is 1 substitution + 2 insertions of
    # 11 characters; "Hello World" is read right (2 words, 11 characters)
    data = manifest(tmp_path, [(lines["door"], "open a door"), (lines["hello"], "Hello World")])
    code, out, _ = run(capsys, "evaluate", str(data), "--json", str(tmp_path / "m.json"))
    result = json.loads((tmp_path / "m.json").read_text())
    assert code == 0 and result["utterances"] == 2
    assert (result["word_errors"], result["words"]) == (1, 3 + 2)
    assert (result["char_errors"], result["chars"]) == (3, 11 + 11)
    assert result["wer"] == pytest.approx(1 / 5) and result["cer"] == pytest.approx(3 / 22)
    assert out.startswith("WER 20.00%  CER 13.64%  utterances 2")


def test_evaluate_with_an_lm(capsys, lines, tmp_path):
    data = manifest(tmp_path, [(lines["night"], "Good Night")])
    code, _, _ = run(capsys, "evaluate", str(data), "--json", str(tmp_path / "m.json"))
    result = json.loads((tmp_path / "m.json").read_text())
    assert code == 0 and (result["wer"], result["cer"]) == (1 / 2, 1 / 10)  # "Good Kight"
    lm = build_char_lm(capsys, tmp_path, "Good Night")
    code, _, _ = run(capsys, "evaluate", str(data), "--lm", lm, "--json", str(tmp_path / "m.json"))
    result = json.loads((tmp_path / "m.json").read_text())
    assert code == 0 and (result["wer"], result["cer"]) == (0.0, 0.0)  # "Good Night"
    assert result["decoder"]["lm"] == lm and result["decoder"]["lm_unit"] == "char"


@pytest.fixture
def iam_tree(tmp_path, hershey_ink) -> Path:
    """An IAM-OnDB root: form a01-000u (trainset, two lines), b01-000u (testset_f, one)."""
    root = tmp_path / "iam"
    forms = {
        "a01-000u": ("trainset", [("open the door", "rowmans"), ("good morning", "rowmans")]),
        "b01-000u": ("testset_f", [("Hello World", "rowmans")]),
    }
    for form, (split, texts) in forms.items():
        group, form_dir = form[:3], form[:7]
        for k, (text, font) in enumerate(texts, start=1):
            path = root / "lineStrokes" / group / form_dir / f"{form}-{k:02d}.xml"
            write_iam_ondb_line(hershey_ink(text, font), path)
        csr = "".join(t + "\n" for t, _ in texts)
        (root / "ascii" / group / form_dir).mkdir(parents=True)
        (root / "ascii" / group / form_dir / f"{form}.txt").write_text(
            f"OCR:\n\n{csr}\nCSR:\n\n{csr}"
        )
        with open(root / f"{split}.txt", "a") as f:
            f.write(form + "\n")
    return root


def test_split_flag_reads_the_named_part(capsys, iam_tree, tmp_path):
    out_json = tmp_path / "m.json"
    code, _, _ = run(
        capsys, "evaluate", str(iam_tree), "--split", "testset_f", "--json", str(out_json)
    )
    result = json.loads(out_json.read_text())
    detail = [(d["id"], d["reference"], d["hypothesis"]) for d in result["utterances_detail"]]
    assert code == 0 and result["split"] == "testset_f"
    assert detail == [("b01-000u-01", "Hello World", "Hello World")]
    code, _, _ = run(
        capsys, "evaluate", str(iam_tree), "--split", "trainset", "--json", str(out_json)
    )
    detail = [
        (d["id"], d["reference"]) for d in json.loads(out_json.read_text())["utterances_detail"]
    ]
    assert code == 0 and detail == [
        ("a01-000u-01", "open the door"),
        ("a01-000u-02", "good morning"),
    ]
