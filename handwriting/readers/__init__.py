"""Ink readers: IAM-OnDB, InkML and JSON files, JSONL manifests.

All readers harden their input (size and point limits before parsing, XML
without entities or external references; see ``docs/limits.md``), repair
timestamps that go backwards (``handwriting.ink.repair_timestamps``), and raise
``handwriting.ink.InkError`` with a one-line message on input that cannot be ink.
"""

from handwriting.readers.iam_ondb import SPLITS, read_iam_ondb, read_iam_ondb_line
from handwriting.readers.inkml import read_inkml
from handwriting.readers.json_ink import parse_json_ink, read_json_ink
from handwriting.readers.manifest import load_ink_data, read_ink, read_ink_manifest
from handwriting.readers.xmlsafe import MAX_FILE_BYTES

__all__ = [
    "MAX_FILE_BYTES",
    "SPLITS",
    "load_ink_data",
    "parse_json_ink",
    "read_iam_ondb",
    "read_iam_ondb_line",
    "read_ink",
    "read_ink_manifest",
    "read_inkml",
    "read_json_ink",
]
