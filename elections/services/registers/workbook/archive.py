"""A workbook's zip archive, read within bounds: its directory checked before zipfile lists
it, each part streamed through expat with its decompressed bytes counted, and no document
type declaration (entity expansion, external entities) let through."""

from __future__ import annotations

import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator
from typing import BinaryIO
from xml.parsers import expat

from django.conf import settings

CHUNK = 64 * 1024
# A workbook has a few dozen parts; a zip directory listing many more is not one (and
# zipfile would hold every entry of it in memory).
MAX_PARTS = 10_000
MAX_DIRECTORY_BYTES = 4 * 1024 * 1024
END_OF_DIRECTORY = b"PK\x05\x06"


class WorkbookError(ValueError):
    """The workbook cannot be read; the message says why, naming no cell contents."""


def local_name(tag: str) -> str:
    """``x:row`` -> ``row``: some writers prefix the spreadsheet namespace, Excel does not."""
    return tag[tag.find(":") + 1 :]


def parse_int(text: str | None) -> int:
    try:
        return int(text or "")
    except ValueError:
        raise WorkbookError(f"The workbook holds a damaged number ({text!r:.20})") from None


def check_directory(raw: BinaryIO) -> None:
    """Refuse a zip whose directory is too big to list, before zipfile lists it whole."""
    raw.seek(0, 2)
    size = raw.tell()
    raw.seek(max(0, size - (65536 + 22)))
    tail = raw.read()
    at = tail.rfind(END_OF_DIRECTORY)
    if at < 0 or len(tail) - at < 22:
        raise WorkbookError(
            "The file is not an Excel .xlsx workbook, or not a whole one (cut short while "
            "copying?): save it again and upload it"
        )
    entries, directory_bytes = struct.unpack("<HI", tail[at + 10 : at + 16])
    if entries > MAX_PARTS or directory_bytes > MAX_DIRECTORY_BYTES:
        raise WorkbookError(
            f"The workbook lists {entries:,} parts: not a register as Excel saves one"
        )
    raw.seek(0)


def refuse_doctype(*args) -> None:
    raise WorkbookError(
        "The workbook holds an XML document type declaration (entities), which Excel never "
        "writes: it is refused"
    )


class Part:
    """Streams one part of the archive through an expat parser, bytes counted."""

    def __init__(self, archive: zipfile.ZipFile, name: str) -> None:
        self.archive = archive
        self.name = name
        self.limit = settings.REGISTER_XLSX_PART_MAX_BYTES

    def parse(
        self,
        start: Callable[[str, dict[str, str]], None],
        end: Callable[[str], None],
        text: Callable[[str], None] | None = None,
    ) -> None:
        for _ in self.chunks(start, end, text):
            pass

    def chunks(
        self,
        start: Callable[[str, dict[str, str]], None],
        end: Callable[[str], None],
        text: Callable[[str], None] | None = None,
    ) -> Iterator[None]:
        """Parse the part a chunk at a time, pausing after each: the callbacks' results
        can be handed on before the next chunk is read."""
        try:
            info = self.archive.getinfo(self.name)
        except KeyError:
            raise WorkbookError(f"The workbook has no part {self.name}") from None
        too_big = WorkbookError(
            f"The workbook's part {self.name} is over {self.limit:,} bytes once uncompressed "
            "(REGISTER_XLSX_PART_MAX_BYTES): not a register this console reads"
        )
        if info.file_size > self.limit:
            raise too_big
        # No namespace processing: it costs a call per element on a million-row sheet, and
        # every part has one vocabulary (a prefix, when a writer uses one, is dropped).
        parser = expat.ParserCreate()
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        parser.StartDoctypeDeclHandler = refuse_doctype
        parser.EntityDeclHandler = refuse_doctype
        parser.ExternalEntityRefHandler = refuse_doctype
        parser.StartElementHandler = start
        parser.EndElementHandler = end
        if text is not None:
            parser.CharacterDataHandler = text
        read = 0
        try:
            with self.archive.open(info) as stream:
                while chunk := stream.read(CHUNK):
                    read += len(chunk)
                    if read > self.limit:
                        raise too_big
                    parser.Parse(chunk, False)
                    yield
            parser.Parse(b"", True)
        except expat.ExpatError as exc:
            raise WorkbookError(
                f"The workbook's part {self.name} is damaged (XML {expat.ErrorString(exc.code)}"
                f" at line {exc.lineno}): save the workbook again from Excel"
            ) from None
        except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
            raise WorkbookError(
                f"The workbook's part {self.name} is damaged ({exc}): save it again from Excel"
            ) from None
        except NotImplementedError:  # a compression method zipfile does not know
            raise WorkbookError(
                f"The workbook's part {self.name} is compressed in a way Excel does not use: "
                "save it again from Excel"
            ) from None
        except RuntimeError as exc:  # zipfile: "File ... is encrypted, password required"
            raise WorkbookError(
                "The workbook is password-protected: save a copy without a password"
            ) from exc
