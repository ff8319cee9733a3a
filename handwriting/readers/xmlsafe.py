"""Hardened reading of ink files: size limit first, then XML without entities.

Every XML ink reader parses through ``parse_xml_file``: files above the size
limit are refused before any parsing, and ``defusedxml`` refuses entity
declarations (billion laughs) and external references (XXE).
"""

from __future__ import annotations

import os
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError

import defusedxml
import defusedxml.ElementTree as DefusedET

from handwriting.ink import InkError

MAX_FILE_BYTES = 8 * 2**20  # MAX_POINTS points take about 1 MB in any of the formats


def read_limited_bytes(path: str | os.PathLike, max_bytes: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of ``path``, refusing missing files and files over ``max_bytes``.

    Raises:
        InkError: missing, not a file, or too large.
    """
    p = Path(path)
    if not p.is_file():
        raise InkError(f"no such ink file: {p}")
    size = p.stat().st_size
    if size > max_bytes:
        raise InkError(f"{p}: file too large ({size} bytes, limit {max_bytes})")
    return p.read_bytes()


def parse_xml_file(path: str | os.PathLike, max_bytes: int = MAX_FILE_BYTES) -> Element:
    """Root element of the XML file ``path``, parsed without entities or external references.

    Raises:
        InkError: too large, malformed, or using forbidden XML features.
    """
    data = read_limited_bytes(path, max_bytes)
    try:
        return DefusedET.fromstring(data, forbid_dtd=False, forbid_entities=True)
    except defusedxml.EntitiesForbidden as e:
        raise InkError(f"{path}: XML entity declarations are not allowed ({e.name!r})") from e
    except defusedxml.DefusedXmlException as e:
        raise InkError(f"{path}: forbidden XML construct ({type(e).__name__})") from e
    except ParseError as e:
        raise InkError(f"{path}: malformed XML ({e})") from e
    except LookupError as e:  # <?xml encoding="no-such-codec"?>
        raise InkError(f"{path}: unknown XML encoding ({e})") from e
    except (ValueError, RecursionError) as e:
        raise InkError(f"{path}: unreadable XML ({type(e).__name__}: {str(e)[:200]})") from e


def local_name(element: Element) -> str:
    """Tag of ``element`` without its ``{namespace}`` prefix."""
    return element.tag.rsplit("}", 1)[-1] if isinstance(element.tag, str) else ""
