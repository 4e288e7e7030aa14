"""Decode a CSV file's bytes: one encoding per file, checked row by row, and mojibake named.

A catalog file is UTF-8 (with or without BOM) or GB18030 (a superset of GBK and GB2312). A
planner's file can mix them: a line pasted from a UTF-8 page into a GBK file, or the reverse.
Read whole, such a file still decodes as GB18030 (GB18030 takes almost any bytes), and the
pasted line loads as mojibake (`浜屾墜杞︿氦鏄撲竴浠朵簨` for 二手车交易一件事). So each line is
classified on its own:

* UTF-8 that holds CJK text: valid UTF-8 that spells Chinese. GBK text is valid UTF-8 only by
  accident, and then (its bytes pairing into two-byte UTF-8 sequences) almost never spells CJK;
* GB18030: not UTF-8, but valid GB18030;
* neither.

The file's encoding is its BOM's, else the majority's; every line of the other kind is a
problem at its row, and is read in the encoding it really is in, so that nothing else is
reported for it.

A file can also be valid UTF-8 and still hold mojibake: text that an editor once read in the
wrong encoding and saved (Excel on a Chinese Windows opens a UTF-8 CSV without BOM as GBK).
`misreading` recognises a cell that encodes back, in the encoding it was misread as, to bytes
that are valid text in the other one and spell Chinese.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

UTF8_BOM = b"\xef\xbb\xbf"
UTF8 = "UTF-8"
GB = "GB18030/GBK"
# Ideographs (and extension A, compatibility), CJK punctuation, full-width forms.
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
# Characters at least one of which any mojibake of CJK UTF-8 holds, so that a cell without
# them needs no closer look: UTF-8 read as GBK pairs a lead byte E3-EF (CJK, punctuation,
# full-width forms) with a continuation byte (80-BF); read as Latin-1/Windows-1252 the lead
# byte itself is one of À-ï; the replacement character is what a lossy decoder left.
_GB_MOJIBAKE_LEADS = "".join(
    sorted(
        {
            bytes([lead, trail]).decode("gb18030")
            for lead in range(0xE3, 0xF0)
            for trail in range(0x80, 0xC0)
            if trail != 0x7F
        }
    )
)
SUSPECT = re.compile(f"[{re.escape(_GB_MOJIBAKE_LEADS)}\u00c0-\u00ff\ufffd]")
# Misreadings, tried in order: (what the text was, what it was misread as).
_MISREADINGS = (
    ("UTF-8", "gb18030", "GBK"),
    ("UTF-8", "cp1252", "Latin-1/Windows-1252"),
    ("UTF-8", "latin-1", "Latin-1/Windows-1252"),
    ("GBK", "cp1252", "Latin-1/Windows-1252"),
    ("GBK", "latin-1", "Latin-1/Windows-1252"),
)
_CODEC = {"UTF-8": "utf-8", "GBK": "gb18030"}


@dataclass(slots=True)
class Decoded:
    """A file's text as lines (each with its line break), or why it is no text at all."""

    lines: list[str] = field(default_factory=list)
    encoding: str = UTF8
    # Problems of single lines, by line index (0 = the first line of the file).
    line_problems: dict[int, str] = field(default_factory=dict)
    # Lines that could not be decoded at all: their rows are not validated.
    garbled: set[int] = field(default_factory=set)
    file_problem: str | None = None


def _first_run(text: str) -> str:
    """The first run of non-ASCII characters in `text` (all of it, stripped, if none)."""
    found = _NON_ASCII.search(text)
    return found.group(0) if found else text.strip()


def snippet(text: str, width: int = 16) -> str:
    """The first run of non-ASCII text in `text`, shortened to `width` characters."""
    run = _first_run(text)
    return run if len(run) <= width else run[: width - 1] + "…"


def _not_text(data: bytes) -> str | None:
    """Why `data` is no text file (a workbook, UTF-16, binary), or None."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return (
            "the file is UTF-16 text (Excel's 'Unicode Text'), not a CSV file: "
            "save it as 'CSV UTF-8 (comma delimited)'"
        )
    if data.startswith(b"PK\x03\x04"):
        return (
            "the file is a zip archive (an .xlsx workbook renamed .csv?), not a CSV file: "
            "save the sheet as 'CSV UTF-8', or give the workbook itself"
        )
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        return (
            "the file is an Excel 97-2003 workbook (.xls) renamed .csv, not a CSV file: "
            "save the sheet as 'CSV UTF-8'"
        )
    if b"\x00" in data:
        odd = data[1::2]
        if odd and odd.count(0) > len(odd) // 2:
            return "the file is UTF-16 text without a BOM, not a CSV file: save it as 'CSV UTF-8'"
        return "the file holds NUL bytes: it is not a text file"
    return None


def split_lines(text: str) -> list[str]:
    """The lines of `text`, each with its break, broken where the csv module breaks them."""
    return io.StringIO(text, newline="").readlines()


def decode(data: bytes) -> Decoded:
    """Decode a CSV file: one encoding for the file, every line checked against it."""
    why = _not_text(data)
    if why is not None:
        return Decoded(file_problem=why)
    bom = data.startswith(UTF8_BOM)
    body = data[len(UTF8_BOM) :] if bom else data
    try:
        return Decoded(split_lines(body.decode("utf-8")))
    except UnicodeDecodeError:
        pass
    raw_lines = body.splitlines(keepends=True)
    kinds: list[str] = []
    for raw in raw_lines:
        if raw.isascii():
            kinds.append("ascii")
            continue
        try:
            kinds.append("utf8" if CJK.search(raw.decode("utf-8")) else "either")
            continue
        except UnicodeDecodeError:
            pass
        try:
            raw.decode("gb18030")
            kinds.append("gb")
        except UnicodeDecodeError:
            kinds.append("bad")
    utf8, gb = kinds.count("utf8"), kinds.count("gb")
    if not utf8 and not gb and "either" not in kinds:
        return Decoded(
            file_problem="cannot decode: expected UTF-8 (with or without BOM) or GB18030/GBK text"
        )
    # A BOM says UTF-8; else the majority of the lines that are only one of the two decides.
    encoding = UTF8 if bom or utf8 > gb or not gb else GB
    out = Decoded(encoding=encoding)
    for index, (raw, kind) in enumerate(zip(raw_lines, kinds, strict=True)):
        if kind == "bad":
            out.lines.append(raw.decode("utf-8" if encoding == UTF8 else "gb18030", "replace"))
            out.garbled.add(index)
            out.line_problems[index] = (
                f"the row is neither UTF-8 nor GB18030/GBK text ({_bad(raw)})"
            )
        elif kind == "utf8" and encoding == GB:
            text = raw.decode("utf-8")
            out.lines.append(text)
            run = _first_run(text)
            out.line_problems[index] = (
                f"the row is UTF-8 text in a GB18030/GBK file: '{snippet(run)}' would load as "
                f"'{snippet(run.encode('utf-8').decode('gb18030', 'replace'), 24)}'; "
                "save the whole file in one encoding"
            )
        elif kind == "gb" and encoding == UTF8:
            text = raw.decode("gb18030")
            out.lines.append(text)
            out.line_problems[index] = (
                f"the row is GB18030/GBK text in a UTF-8 file ('{snippet(text)}'); "
                "save the whole file in one encoding"
            )
        elif kind == "either" and encoding == GB:
            # Valid UTF-8 that spells no CJK: GBK text that happens to be valid UTF-8 too.
            out.lines.append(raw.decode("gb18030", "strict" if _is_gb(raw) else "replace"))
        else:
            out.lines.append(raw.decode("utf-8" if encoding == UTF8 else "gb18030"))
    return out


def _is_gb(raw: bytes) -> bool:
    try:
        raw.decode("gb18030")
    except UnicodeDecodeError:
        return False
    return True


def _bad(raw: bytes) -> str:
    """The first byte that keeps `raw` from being UTF-8, and where it is."""
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return f"byte 0x{raw[exc.start]:02x} at byte {exc.start + 1} of the line"
    return "undecodable bytes"  # pragma: no cover - a line that failed to decode does fail


def misreading(text: str) -> str | None:
    """Why `text` is mojibake (text once decoded in the wrong encoding and saved), or None."""
    if not SUSPECT.search(text):
        return None
    if "\ufffd" in text:
        return (
            "holds the replacement character '\ufffd': the text was read in a wrong "
            "encoding and saved, and what it said is lost; type it again"
        )
    for original, misread_as, shown_as in _MISREADINGS:
        try:
            fixed = text.encode(misread_as).decode(_CODEC[original])
        except UnicodeError:
            continue
        if fixed == text or not CJK.search(fixed):
            continue
        if misread_as != "gb18030":
            # A Latin-1 reading turns each byte into one character: demand that the original
            # spells only CJK where the text has non-ASCII (a genuine 'é' is no mojibake).
            others = _NON_ASCII.findall(text)
            if sum(map(len, others)) < 2 or not all(CJK.fullmatch(c) for c in _chars(fixed)):
                continue
        return (
            f"'{snippet(text)}' is mojibake: {original} text once opened as {shown_as} and "
            f"saved again; it was '{snippet(fixed)}'"
        )
    return None


def _chars(text: str) -> list[str]:
    return [c for c in text if not c.isascii()]
