"""Which text encoding a csv was saved in, without ever guessing into mojibake.

A BOM decides. Otherwise UTF-8, the template's encodings, the encodings of the file's locale and, when
no locale is known, charset-normalizer's best guess are tried in that order; the first that decodes
the whole file into text that does not look like mojibake wins. Legacy code pages decode almost any
bytes (cp1252 reads a cp932 "タオル" as "ƒ^ƒIƒ‹"), so decoding without an error proves little: ftfy's
mojibake check is what refuses the wrong one."""

import codecs
import re
from collections.abc import Iterator
from pathlib import Path

from sync.errors import FileRejected

# Text is decoded (and transcoded) in chunks this big: a bigger chunk leaves the C heap holding its peak.
DECODE_CHUNK_BYTES = 1024 * 1024
# Enough text for every column of the first few thousand rows; ftfy's check grows more eager with length.
SAMPLE_BYTES = 256 * 1024
_BOMS = [(codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")]
# charset-normalizer names the strict standard; files are written by Windows in its superset
# (cp932 has NEC/IBM extensions such as ①, cp950 the Big5 additions, gb18030 all of GBK).
SUPERSETS = {"shift_jis": "cp932", "shift_jis_2004": "cp932", "shift_jisx0213": "cp932",
             "gb2312": "gb18030", "gbk": "gb18030", "hz": "gb18030", "big5": "cp950",
             "tis_620": "cp874", "iso8859_11": "cp874", "euc_kr": "cp949", "latin_1": "cp1252",
             "iso8859_1": "cp1252", "ascii": "utf-8"}

# The longest match of ftfy's mojibake pattern (tests/sync/test_encodings.py checks it).
MOJIBAKE_REACH = 7
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Names platforms document that Python does not know.
_ALIASES = {"windows-31j": "cp932", "ms932": "cp932"}


def detect_encoding(path: Path, *, template_encodings: list[str], locale_encodings: list[str]) -> str:
    bom = _bom_encoding(path)
    refusals = []
    for encoding in [bom] if bom else _candidates(path, template_encodings, locale_encodings):
        invalid = _decode_problem(path, encoding)
        # A BOM, or bytes valid as UTF-8, say what the text is: such a reading is refused only for mojibake
        # ftfy can undo (a tool's double encoding), not for a line that merely looks odd (emoji beside
        # mixed scripts in a product name).
        authoritative = encoding == bom or encoding == "utf-8"
        problem = invalid or _mojibake_problem(path, encoding, proven_only=authoritative)
        if problem is None:
            return encoding
        refusals.append(f"{encoding}: {problem}")
        if encoding == "utf-8" and not invalid:
            # Bytes that are valid UTF-8 are UTF-8: any other reading of them is the mojibake.
            break
    raise FileRejected("cannot decode the file: no encoding reads it without errors or mojibake (tried "
                       + "; ".join(refusals) + "); declare it in the template's options.encodings",
                       code="encoding")


def _bom_encoding(path: Path) -> str | None:
    with path.open("rb") as handle:
        head = handle.read(4)
    return next((name for bom, name in _BOMS if head.startswith(bom)), None)


def _candidates(path: Path, template_encodings: list[str], locale_encodings: list[str]) -> Iterator[str]:
    """UTF-8, the template's and the locale's encodings, then charset-normalizer's best reading of the
    head, each once. Its reading is not asked for when the locale is known: ftfy sees mojibake in Latin
    text only, so a guess into another script (a Vietnamese file read as Big5) would pass unseen. Nor
    before it is needed: most files are UTF-8, and a guess over the head costs more than reading it."""
    seen = set()
    for name in ["utf-8", *template_encodings, *locale_encodings]:
        if (encoding := canonical(name)) not in seen:
            seen.add(encoding)
            yield encoding
    if not locale_encodings:
        import charset_normalizer  # only for csv of unknown locale: a workbook's sync does not pay its import

        with path.open("rb") as handle:
            best = charset_normalizer.from_bytes(handle.read(SAMPLE_BYTES)).best()
        if best and canonical(best.encoding) not in seen:
            yield canonical(best.encoding)


def canonical(name: str) -> str:
    """Python's name of an encoding, or of the Windows superset files are written in."""
    name = _ALIASES.get(name.lower(), name)
    try:
        python_name = codecs.lookup(name).name
    except LookupError:
        return name
    return SUPERSETS.get(python_name.replace("-", "_"), python_name)


def _decode_problem(path: Path, encoding: str) -> str | None:
    try:
        decoder = codecs.getincrementaldecoder(encoding)()
    except LookupError:
        return "unknown encoding"
    offset = 0
    with path.open("rb") as handle:
        while chunk := handle.read(DECODE_CHUNK_BYTES):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                return f"invalid byte 0x{chunk[exc.start]:02x} at offset {offset + exc.start}"
            offset += len(chunk)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "file ends inside a character"
    return None


def _mojibake_problem(path: Path, encoding: str, *, proven_only: bool) -> str | None:
    from ftfy import fix_encoding  # only for csv: a workbook's sync does not pay its import

    text = sample_text(path, encoding)
    control = _CONTROL.search(text)
    if control:
        # No export holds control characters: a code page that decodes any byte made them.
        return f"text holds control character U+{ord(control.group()):04X}"
    for line in text.splitlines():
        if looks_bad(line) and (not proven_only or fix_encoding(line) != line):
            return f"text looks like mojibake: {line.strip()[:60]!r}"
    return None


def looks_bad(line: str) -> bool:
    """ftfy's `is_bad(line)`, searched only near the characters outside ASCII. Each match of its pattern
    holds one and spans at most MOJIBAKE_REACH characters, so no match is missed; and a line of an export
    is mostly ids, numbers and dates, which the pattern would otherwise scan character by character."""
    from ftfy.badness import BADNESS_RE  # only for csv: a workbook's sync does not pay its import

    for run in _NON_ASCII.finditer(line):
        # search(pos, endpos) rather than a slice: "^" still means the line's start only.
        if BADNESS_RE.search(line, max(run.start() - MOJIBAKE_REACH + 1, 0), run.end() + MOJIBAKE_REACH - 1):
            return True
    return False


def sample_text(path: Path, encoding: str) -> str:
    """The decoded head of the file (an incremental decoder: a character cut at the end is left out)."""
    with path.open("rb") as handle:
        head = handle.read(SAMPLE_BYTES)
    return codecs.getincrementaldecoder(encoding)().decode(head)
