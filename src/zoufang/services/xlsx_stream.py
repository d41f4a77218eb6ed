"""An ``.xlsx`` workbook's sheets read as a stream, row by row, straight from the zip.

``zoufang import`` reads a county's whole 台账 (a million visits): held as Python lists, its
sheets took gigabytes. Here a sheet's XML is decompressed in chunks and cut into rows and
cells by C-level regular expressions (far faster than a callback per XML element); each row
is handed on as it comes, as ``(row number in Excel, cells)``, and nothing of it is kept.
Reading a sheet again streams it again.

Cells come as :mod:`python_calamine` gives them (the reader tests compare the two on every
workbook the tests make): text as ``str`` (shared strings, inline strings, formula results;
XML entities and Excel's ``_xHHHH_`` escapes decoded), numbers as ``float``, booleans as
``bool``, numbers in a date style (built-in formats 14–22 and 45–47, or a custom format
with y/m/d/h/s outside quotes and brackets) as ``date`` (whole days), ``datetime`` or ``time``
(under one day), empty cells as ``""`` (a row's gaps filled, so cell *i* is column *i*).

Anything this reader does not understand (no ``xl/workbook.xml``, prefixed element names,
a sheet it cannot find) raises :class:`Unreadable`; the caller then reads the file with
calamine instead.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Generator, Iterator
from pathlib import PurePosixPath

#: Bytes of compressed XML read at a time.
CHUNK = 1 << 20
#: … in the reading process (:func:`serve`): as fast, and its own memory beside the
#: import's stays ~13 MiB (its peak RSS 20 MB against 28 with :data:`CHUNK`, at the county)
AHEAD_CHUNK = 1 << 17

_ATTR = re.compile(rb'([\w:]+)\s*=\s*"([^"]*)"')
_T = re.compile(rb"<t(?:\s[^>]*)?>([^<]*)</t>|<t\s*/>")
_PHONETIC = re.compile(rb"<rPh\b.*?</rPh>", re.S)
_SI = re.compile(rb"<si>(.*?)</si>|<si\s*/>", re.S)
_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
#: XML's own entities and character references (not HTML's: ``&#150;`` is U+0096, as calamine
#: reads it, not cp1252's dash).
_ENTITY = re.compile(r"&(?:#x([0-9A-Fa-f]+)|#(\d+)|(lt|gt|amp|quot|apos));")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}
#: What this reader does not read (the compact layout Excel, WPS, xlsxwriter and openpyxl
#: write is what it reads): an attribute in single quotes, white space between a cell's
#: elements, a ``<v>`` with attributes. Such a workbook is read by calamine instead.
_LOOSE = re.compile(rb"<[\w:]+\s[^<>]*='|<c\b[^<>]*>\s+<|<v\s")
_DIMENSION = re.compile(rb'<dimension\s+ref="[A-Z]*\d*:?[A-Z]*(\d+)"')
_QUOTED = re.compile(r'"[^"]*"|\[[^\]]*\]|\\.')
#: Built-in number formats that are dates or times.
DATE_FORMATS = frozenset({*range(14, 23), 45, 46, 47})
_EPOCH = dt.datetime(1899, 12, 30)
_EPOCH_1904 = dt.datetime(1904, 1, 1)


#: One regular expression for a sheet's rows and cells, matched by ``findall`` (C-level):
#: (``<row``, its r=, ``/`` if empty) or (column letters, s=, t=, ``<v>``, a plain inline
#: string's text, any other content).
_TOKEN = re.compile(
    rb"(<row)\b(?:\s+(?:r=\"(\d+)\"|[\w:]+=\"[^\"]*\"))*\s*(/?)>"
    rb"|<c\b(?:\s+(?:r=\"([A-Z]+)\d*\"|s=\"(\d+)\"|t=\"(\w+)\"|[\w:]+=\"[^\"]*\"))*\s*"
    rb"(?:/>|>(?:<f\b[^>]*?(?:/>|>[^<]*</f>))?"
    rb"(?:<v>([^<]*)</v>|<is><t>([^<]*)</t></is>|(.*?))</c>)",
    re.S,
)
_COLUMNS: dict[bytes, int] = {}


class _State:
    """Where a sheet's stream stands between chunks: the row begun and its number."""

    __slots__ = ("cells", "line")

    def __init__(self) -> None:
        self.line = 0
        self.cells: list | None = None


class Unreadable(Exception):
    """This reader cannot read the file (the caller falls back to calamine)."""


def _text(raw: bytes) -> str:
    text = raw.decode("utf-8")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")  # XML's line-end handling
    if "&" in text:
        text = _ENTITY.sub(_entity, text)
    if "_x" in text:
        text = _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)
    return text


def _entity(m: re.Match) -> str:
    hexa, decimal, name = m.groups()
    if name:
        return _NAMED[name]
    try:
        return chr(int(hexa, 16) if hexa else int(decimal))
    except (ValueError, OverflowError):
        return m.group(0)


def _inline(inner: bytes) -> str:
    if b"<rPh" in inner:
        inner = _PHONETIC.sub(b"", inner)
    return "".join(_text(m.group(1) or b"") for m in _T.finditer(inner))


def is_date_format(code: str) -> bool:
    """Whether a custom number format shows a date or time (y/m/d/h/s outside quotes,
    brackets such as ``[Red]`` and escaped characters)."""
    plain = _QUOTED.sub("", code.split(";")[0]).lower()
    return any(ch in plain for ch in "ymdhs")


def column_index(letters: bytes) -> int:
    """``A`` → 0, ``Z`` → 25, ``AA`` → 26."""
    n = 0
    for ch in letters:
        n = n * 26 + (ch - 64)
    return n - 1


class XlsxBook:
    """An open ``.xlsx``: its sheet names in order, each sheet's rows on demand."""

    def __init__(self, path: str) -> None:
        self.path = path
        try:
            self.zip = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError) as exc:
            raise Unreadable(str(exc)) from None
        try:  # the zip is open while the book is read, then each pass opens it again
            self._open(path)
        finally:
            self.zip.close()

    def _open(self, path: str) -> None:
        try:
            names = set(self.zip.namelist())
            workbook = self.zip.read("xl/workbook.xml")
        except (zipfile.BadZipFile, KeyError, OSError) as exc:
            raise Unreadable(str(exc)) from None
        if b"<sheets" not in workbook:
            raise Unreadable("prefixed or unknown workbook.xml")
        rels: dict[str, str] = {}
        if "xl/_rels/workbook.xml.rels" in names:
            for m in re.finditer(
                rb"<Relationship\b([^>]*)/?>", self.zip.read("xl/_rels/workbook.xml.rels")
            ):
                attrs = dict(_ATTR.findall(m.group(1)))
                target = attrs.get(b"Target", b"").decode()
                if target.startswith("/"):
                    target = target[1:]
                else:
                    target = str(PurePosixPath("xl") / target)
                rels[attrs.get(b"Id", b"").decode()] = _normal(target)
        self.sheets: list[tuple[str, str]] = []  # (name, member of the zip)
        for m in re.finditer(rb"<sheet\b([^>]*)/?>", workbook):
            attrs = dict(_ATTR.findall(m.group(1)))
            rid = next((v for k, v in attrs.items() if k.endswith(b":id")), b"").decode()
            member = rels.get(rid)
            if member is None or member not in names:
                raise Unreadable(f"sheet {attrs.get(b'name')!r} not found")
            self.sheets.append((_text(attrs.get(b"name", b"")), member))
        pr = re.search(rb"<workbookPr\b([^>]*)", workbook)
        flag = dict(_ATTR.findall(pr.group(1))).get(b"date1904") if pr else None
        date1904 = flag in (b"1", b"true")
        self.epoch = _EPOCH_1904 if date1904 else _EPOCH
        self.dates = self._date_styles(names)
        #: the ``s=`` values (as the XML spells them) of the styles that show a date
        self.date_styles = frozenset(str(i).encode() for i, d in enumerate(self.dates) if d)
        self._shared: list[str] | None = None
        self._dates_read: dict[bytes, dt.date | dt.datetime | dt.time] = {}
        self._shared_member = next(
            (t for t in rels.values() if t.endswith("sharedStrings.xml") and t in names), None
        )
        for _name, member in self.sheets:
            with self.zip.open(member) as f:
                if _LOOSE.search(f.read(1 << 16)):
                    raise Unreadable(f"{member}: a layout this reader does not read")

    def _date_styles(self, names: set[str]) -> list[bool]:
        """Whether each cell style (``s=``) shows a date."""
        if "xl/styles.xml" not in names:
            return []
        styles = self.zip.read("xl/styles.xml")
        custom: dict[int, bool] = {}
        for m in re.finditer(rb"<numFmt\b([^>]*)/?>", styles):
            attrs = dict(_ATTR.findall(m.group(1)))
            try:
                custom[int(attrs[b"numFmtId"])] = is_date_format(_text(attrs[b"formatCode"]))
            except (KeyError, ValueError):
                continue
        xfs = re.search(rb"<cellXfs\b[^>]*>(.*?)</cellXfs>", styles, re.S)
        out: list[bool] = []
        if xfs:
            for m in re.finditer(rb"<xf\b([^>]*?)/?>", xfs.group(1)):
                attrs = dict(_ATTR.findall(m.group(1)))
                try:
                    fmt = int(attrs.get(b"numFmtId", b"0"))
                except ValueError:
                    fmt = 0
                out.append(custom[fmt] if fmt in custom else fmt in DATE_FORMATS)
        return out

    @property
    def shared(self) -> list[str]:
        """The shared strings table, read once."""
        if self._shared is None:
            self._shared = []
            if self._shared_member:
                with zipfile.ZipFile(self.path) as z:
                    data = z.read(self._shared_member)
                self._shared = [_inline(m.group(1) or b"") for m in _SI.finditer(data)]
        return self._shared

    def dimension_rows(self, member: str) -> int | None:
        """The last row the sheet's ``<dimension>`` names (read from its first bytes)."""
        with zipfile.ZipFile(self.path) as z, z.open(member) as f:
            head = f.read(4096)
        m = _DIMENSION.search(head)
        return int(m.group(1)) if m else None

    def rows(self, member: str) -> Iterator[tuple[int, list]]:
        """``(row number in Excel, cells)`` of each row the sheet's XML holds, in order.

        A long sheet (more than :data:`AHEAD_ROWS` rows by its ``<dimension>``) is read ahead
        by a second process once its first :data:`HERE_ROWS` rows have been read here: that
        process parses the rows while this one works on the last ones it sent
        (:class:`_Ahead`). A pass that stops early (the header's search) never starts it."""
        here = self.rows_here(member)
        if not _ahead_wanted(self, member):
            yield from here
            return
        n = 0
        for row in here:
            yield row
            n += 1
            if n >= HERE_ROWS:
                break
        else:
            return  # the sheet ended here
        here.close()
        ahead = _Ahead(self.path, member, n)
        yield from ahead
        if ahead.finished:
            return
        # the reading process stopped without finishing (killed, could not start, or met
        # something it could not read): the rest is read here, from the row after the last
        # one it sent (counted, not by row number: a sheet may repeat one), and an error in
        # the file is raised here as reading here raises it
        skip = ahead.sent
        for row in self.rows_here(member):
            if skip:
                skip -= 1
                continue
            yield row

    def rows_here(
        self, member: str, read_size: int | None = None
    ) -> Generator[tuple[int, list], None, None]:
        """:meth:`rows`, all in this process (``read_size``: bytes of compressed XML read at
        a time, :data:`CHUNK` if not given)."""
        chunk_size = read_size or CHUNK
        state = _State()
        with zipfile.ZipFile(self.path) as z, z.open(member) as f:
            rest = b""
            while True:
                chunk = f.read(chunk_size)
                buffer = rest + chunk if rest else chunk
                if chunk:
                    cut = buffer.rfind(b"</row>")
                    if cut < 0:
                        rest = buffer
                        continue
                    cut += 6
                    rest = buffer[cut:]
                    buffer = buffer[:cut]
                else:
                    rest = b""
                yield from self._parse(buffer, state)
                if not chunk:
                    if state.cells is not None:
                        yield state.line, state.cells
                    return

    def _parse(self, buffer: bytes, state: _State) -> Iterator[tuple[int, list]]:
        """The rows that end in ``buffer`` (the last one is finished by the next row's start
        or the end of the sheet: ``state`` carries it)."""
        dates = self.date_styles
        date_of = self._dates_read  # a day's serial number is read once
        columns = _COLUMNS
        shared = self.shared if self._shared_member else []
        line = state.line
        cells = state.cells
        for row, number, empty, col, style, kind, value, simple, body in _TOKEN.findall(buffer):
            if row:
                if cells is not None:
                    yield line, cells
                line = int(number) if number else line + 1
                cells = [] if not empty else None
                if empty:
                    yield line, []
                continue
            if cells is None:
                continue  # a cell outside any row: not in sheetData
            if col:
                i = columns.get(col)
                if i is None:
                    i = columns[col] = column_index(col)
                n = len(cells)
                if i != n:
                    if i < n:
                        continue  # a cell given twice: the first one counts
                    cells.extend([""] * (i - n))
            if body and kind != b"inlineStr" and body.strip():
                raise Unreadable(f"row {line}: a cell this reader does not read")
            if kind == b"inlineStr":  # what `export` writes (xlsxwriter's constant memory)
                if simple:
                    cells.append(
                        simple.decode()
                        if b"&" not in simple and b"_x" not in simple and b"\r" not in simple
                        else _text(simple)
                    )
                else:
                    cells.append(_inline(body) if body else "")
            elif not kind or kind == b"n":
                if not value:
                    cells.append("")
                    continue
                try:
                    number = float(value)
                except ValueError:
                    cells.append(_text(value))
                    continue
                if style in dates:
                    day = date_of.get(value)
                    if day is None:
                        day = self._date(number)
                        if len(date_of) < _DATES_KEPT:
                            date_of[value] = day
                    cells.append(day)
                else:
                    cells.append(number)
            elif kind == b"s":
                cells.append(shared[int(value)] if value else "")
            elif kind == b"b":
                cells.append(value != b"0" if value else "")  # as calamine reads it
            elif kind == b"d":
                cells.append(_iso(value.decode()) if value else "")
            elif kind == b"e":  # an error (#N/A, #REF!…): empty, as calamine reads it
                cells.append("")
            else:  # str (a formula's text)
                cells.append(_text(value) if value else "")
        state.line = line
        state.cells = cells

    def _date(self, serial: float) -> dt.date | dt.datetime | dt.time:
        ms = round(serial * 86_400_000)
        days, ms = divmod(ms, 86_400_000)
        if days == 0 and ms:
            return (dt.datetime.min + dt.timedelta(milliseconds=ms)).time()
        if self.epoch is _EPOCH and days < 61:  # Excel's 1900 leap-year bug
            days += 1
        moment = self.epoch + dt.timedelta(days=days, milliseconds=ms)
        return moment.date() if not ms else moment


#: A sheet with more rows than this (by its ``<dimension>``) is read ahead by a second
#: process (:meth:`XlsxBook.rows`); ``ZOUFANG_READ_AHEAD=0`` in the environment turns that off.
AHEAD_ROWS = 20_000
#: Rows read in this process before the reading process is started.
HERE_ROWS = 2_000
#: Rows in each message from the reading process.
AHEAD_BATCH = 1_000


def _ahead_wanted(book: XlsxBook, member: str) -> bool:
    import os

    if os.environ.get("ZOUFANG_READ_AHEAD", "").strip().lower() in ("0", "off", "no", "false"):
        return False
    rows = book.dimension_rows(member)
    return rows is not None and rows > AHEAD_ROWS


#: What the reading process runs: ``serve(path, member, after)`` from this module, with the
#: package found where this process found it (as :mod:`zoufang.services.audit_workers` does).
_READER = (
    "import gc, sys\n"
    "gc.disable()\n"
    "if sys.argv[1] not in sys.path:\n"
    "    sys.path.insert(0, sys.argv[1])\n"
    "from zoufang.services.xlsx_stream import serve\n"
    "serve(sys.argv[2], sys.argv[3], int(sys.argv[4]))\n"
)


class _Ahead:
    """A sheet's rows after its first ``after`` rows, read by a process of its own and
    received here in messages of :data:`AHEAD_BATCH` rows (pickled on its standard output):
    while this process works on one message, that one parses the next. If it stops without
    its last message (an error in the file, killed) or cannot start, :attr:`finished` stays
    False and :attr:`sent` is the count of rows handed on so far (``after`` included): the
    caller reads the rest itself, and so raises any error of the file as it always has."""

    def __init__(self, path: str, member: str, after: int) -> None:
        self.path, self.member, self.sent = path, member, after
        self.finished = False

    def __iter__(self) -> Iterator[tuple[int, list]]:
        import pickle
        import subprocess
        import sys
        from pathlib import Path

        import zoufang

        package_root = str(Path(zoufang.__file__).resolve().parents[1])
        command = [sys.executable, "-P", "-c", _READER, package_root, self.path, self.member]
        command.append(str(self.sent))
        try:
            process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )
        except (OSError, TypeError, ValueError):  # no interpreter to start (embedded…)
            return
        assert process.stdout is not None
        try:
            while True:
                try:
                    message = pickle.load(process.stdout)
                except Exception:  # it stopped mid-message, or sent nothing more
                    return
                if message == "end":
                    self.finished = True
                    return
                if message.__class__ is not list:
                    return  # not what this version sends (a process of another version)
                yield from message
                self.sent += len(message)
        finally:
            process.stdout.close()
            if process.poll() is None:
                process.kill()
            process.wait()


def serve(path: str, member: str, after: int) -> None:
    """The reading process (:class:`_Ahead`): the sheet's rows after its first ``after``
    rows, pickled to standard output as lists of :data:`AHEAD_BATCH`, then ``"end"``. On
    any error it sends the rows read before it and stops without ``"end"``: the import then
    reads the rest itself and meets the error there, told as it always was."""
    import pickle
    import sys

    # buffered whatever PYTHONUNBUFFERED says: pickle writes in pieces, each whole
    out = open(sys.stdout.fileno(), "wb", buffering=1 << 16, closefd=False)  # noqa: SIM115
    batch: list[tuple[int, list]] = []
    try:
        try:
            book = XlsxBook(path)
            skip = after
            for row in book.rows_here(member, AHEAD_CHUNK):
                if skip:
                    skip -= 1
                    continue
                batch.append(row)
                if len(batch) >= AHEAD_BATCH:
                    pickle.dump(batch, out, pickle.HIGHEST_PROTOCOL)
                    out.flush()  # whole, so that it is read while the next one is parsed
                    batch = []
        except Exception:
            if batch:
                pickle.dump(batch, out, pickle.HIGHEST_PROTOCOL)
            out.flush()
            return
        if batch:
            pickle.dump(batch, out, pickle.HIGHEST_PROTOCOL)
        pickle.dump("end", out, pickle.HIGHEST_PROTOCOL)
        out.flush()
    except (BrokenPipeError, OSError):
        return  # the import stopped listening (a pass ended early)


#: At most this many date cells' values are kept for the next cell with the same number
#: (days repeat; a column of times to the second would not, and is not worth the memory).
_DATES_KEPT = 20_000


def _iso(text: str) -> dt.date | dt.datetime | str:
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", ""))
    except ValueError:
        return text
    return moment.date() if moment.time() == dt.time() else moment


def _normal(path: str) -> str:
    parts: list[str] = []
    for part in path.split("/"):
        if part == "..":
            if parts:
                parts.pop()
        elif part and part != ".":
            parts.append(part)
    return "/".join(parts)
