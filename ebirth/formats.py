"""How a message's content is written: XML (valid against ``schema/ebirth.xsd``), CSV rows
(one file per message kind, one column per field) and — in ``ebirth.fhir`` — a FHIR R4
Bundle. The writers render the stored content and add only the message's header.

An export writes hundreds of thousands of messages, so the writers are built for speed:
the XML of a message is written as text (``element`` parses it, and it is the parsed
element that is validated; building lxml elements node by node took most of an export's
time), from a template per kind and content *structure* (``walk``: which fields, in which
order) filled in with the values — the CSV row too, and ``ebirth.fhir``'s Bundles — and the
claim has the messages validated in a thread of their own (``checking``). Each template is
made from the plain writer (``_fill``) and checked against it."""

from __future__ import annotations

import contextlib
import csv
import re
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Executor
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from uuid import UUID

from lxml import etree

from ebirth.models import MessageKind

SCHEMA_PATH = Path(__file__).parent / "schema" / "ebirth.xsd"
NAMESPACE = "urn:be:moederschapsdossier:ebirth:1"
SCHEMA_VERSION = "1.0"
ROOT_OF = {
    MessageKind.NOTIFICATION: "birthNotification",
    MessageKind.STATISTICAL: "medicalStatisticalForm",
}


@dataclass(frozen=True)
class Message:
    """What a writer needs of one exported message."""

    kind: str
    message_id: UUID
    revision: int
    corrects: UUID | None  # the original message's id, for a correction
    content: dict


class InvalidMessage(Exception):
    """A message the schema refuses: a mapping bug, never the user's input (incomplete
    births are held back before any message is built)."""


@cache
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMA_PATH)))


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# What lxml escapes in text (and, with the quote and white space, in attribute values).
_TEXT_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
_ESCAPED = re.compile("[&<>\r]")
_ATTRIBUTE_ESCAPES = str.maketrans(
    {
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
        '"': "&quot;",
        "\r": "&#13;",
        "\n": "&#10;",
        "\t": "&#9;",
    }
)


@cache
def _layout(type_name: str) -> tuple[frozenset[str], tuple[tuple[str, str, str, str], ...]]:
    """A complex type's field names, and per field: name, start tag, end tag, child type."""
    fields = sequence(type_name)
    return (
        frozenset(name for name, _type in fields),
        tuple((name, f"<{name}>", f"</{name}>", child_type) for name, child_type in fields),
    )


_ABSENT = object()


def _fill(parts: list[str], content: dict, type_name: str) -> None:
    """Children in the schema's order (stored content comes back from PostgreSQL's jsonb
    with its keys reordered); a key the schema does not know is a mapping bug."""
    names, fields = _layout(type_name)
    if not names.issuperset(content):
        unknown = set(content) - names
        raise InvalidMessage(f"{type_name}: no such field in the schema: {sorted(unknown)}")
    for name, start, end, child_type in fields:
        value = content.get(name, _ABSENT)
        if value is _ABSENT:
            continue
        kind = type(value)
        if kind is str:
            parts.append(
                start + (value.translate(_TEXT_ESCAPES) if _ESCAPED.search(value) else value) + end
            )
        elif kind is bool:
            parts.append(start + ("true" if value else "false") + end)
        elif kind is int:
            parts.append(start + str(value) + end)
        elif isinstance(value, dict):
            parts.append(start)
            _fill(parts, value, child_type)
            parts.append(end)
        else:
            parts.append(start + _text(value).translate(_TEXT_ESCAPES) + end)


def xml_text(message: Message, walked: tuple[int, list] | None = None) -> str:
    """The message's element as it stands in an export file (the same text lxml writes for
    ``element(message)`` there), not validated. ``walked``: ``walk(message.content)``."""
    root = ROOT_OF[message.kind]
    header = (
        f'<{root} xmlns="{NAMESPACE}" messageId="{_attribute(message.message_id)}" '
        f'revision="{_attribute(message.revision)}"'
    )
    if message.corrects:
        header += f' corrects="{_attribute(message.corrects)}"'
    structure, values = walked or walk(message.content)
    body = _xml_bodies.get((message.kind, structure))
    if body is None:
        body = _xml_bodies[message.kind, structure] = _XmlBody(message, structure, values)
    return f"{header}>{body.fill(values)}</{root}>"


def _xml_body(message: Message) -> str:
    """The message's children, written field by field (``_XmlBody`` is made from it)."""
    parts: list[str] = []
    _fill(parts, message.content, _root_type(ROOT_OF[message.kind]))
    return "".join(parts)


class _XmlBody:
    """The children of the messages of one kind and content structure, cut where the values
    go (``slots``: the index of the value of ``walk``). Made by writing a message whose
    values are placeholders; checked against the message itself."""

    def __init__(self, message: Message, structure: int, values: list):
        traced = Message(
            message.kind,
            message.message_id,
            message.revision,
            message.corrects,
            _placeholders(message.content, iter(range(len(values)))),
        )
        pieces = _PLACEHOLDER.split(_xml_body(traced))
        self.parts, self.slots = pieces[::2], [int(index) for index in pieces[1::2]]
        if self.fill(values) != _xml_body(message):
            raise RuntimeError(
                f"formats: the XML of structure {structure} is not the message's own"
            )

    def fill(self, values: list) -> str:
        texts = [
            value if type(value) is str else _text(value)
            for value in map(values.__getitem__, self.slots)
        ]
        if _ESCAPED.search("".join(texts)):
            texts = [text.translate(_TEXT_ESCAPES) for text in texts]
        body = [""] * (2 * len(texts) + 1)
        body[::2] = self.parts
        body[1::2] = texts
        return "".join(body)


_xml_bodies: dict[tuple[str, int], _XmlBody] = {}


# --- a content's structure -----------------------------------------------------------------

_structure_numbers: dict[tuple, int] = {}
_structures: list[tuple] = []
_new_structure = threading.Lock()


def walk(content: dict) -> tuple[int, list]:
    """The content's *structure* — its fields' names and types, depth first — as a number,
    and its values in that order. The XML and CSV writers (and ``ebirth.fhir``) keep what
    they make of a structure under its number and fill it in with the values: the export
    writes a message three ways but walks its content once. (A handful of structures:
    which optional fields a message has.)"""
    structure: list = []
    values: list = []
    _walk(content, structure, values)
    key = tuple(structure)
    number = _structure_numbers.get(key)
    if number is None:
        with _new_structure:
            number = _structure_numbers.setdefault(key, len(_structures))
            if number == len(_structures):
                _structures.append(key)
    return number, values


def _walk(content: dict, structure: list, values: list) -> None:
    for name, value in content.items():
        if isinstance(value, dict):
            structure.append(name)
            _walk(value, structure, values)
            structure.append(None)  # the end of the group
        else:
            structure.append((name, type(value)))
            values.append(value)


@cache
def value_fields(structure: int) -> tuple[tuple[tuple[str, ...], type], ...]:
    """The path and type of each value of a structure, in the order of ``walk``."""
    fields, path = [], []
    for item in _structures[structure]:
        if item is None:
            path.pop()
        elif isinstance(item, str):
            path.append(item)
        else:
            fields.append(((*path, item[0]), item[1]))
    return tuple(fields)


_PLACEHOLDER = re.compile("\ue000(\\d+)\ue001")


def _placeholders(content: dict, numbers: Iterator[int]) -> dict:
    """The content with its values replaced by numbered placeholders, in ``walk``'s order."""
    return {
        name: _placeholders(value, numbers)
        if isinstance(value, dict)
        else f"\ue000{next(numbers)}\ue001"
        for name, value in content.items()
    }


def export_document(batch_number: int) -> tuple[str, str]:
    """The text before and after the messages of an export file: the XML declaration and
    the ``ebirthExport`` element (as lxml's ``xmlfile`` writes them)."""
    return (
        "<?xml version='1.0' encoding='UTF-8'?>\n"
        f'<ebirthExport xmlns="{NAMESPACE}" batch="{_attribute(batch_number)}" '
        f'schemaVersion="{SCHEMA_VERSION}">',
        "</ebirthExport>",
    )


def _attribute(value) -> str:
    return str(value).translate(_ATTRIBUTE_ESCAPES)


def element(message: Message) -> etree._Element:
    """The message's element (parsed from ``xml_text``), not validated."""
    return etree.fromstring(xml_text(message))


def validate(node: etree._Element) -> None:
    """Raise ``InvalidMessage`` naming the first fault unless the schema accepts it."""
    checker = schema()
    if not checker.validate(node):
        error = checker.error_log.last_error
        raise InvalidMessage(f"{node.get('messageId')}: {error.message} (line {error.line})")


def xml_message(message: Message) -> etree._Element:
    """The message as a schema-valid element (validated here, every time)."""
    node = element(message)
    validate(node)
    return node


CHECKED_TOGETHER = 256  # messages handed to the checking thread at a time
_thread = threading.local()


@contextlib.contextmanager
def checking(pool: Executor) -> Iterator[Callable[[Message], None]]:
    """``check(message)``: validate the message against the schema, as ``xml_message``
    does, in the pool's thread while the caller goes on: lxml parses and validates without
    holding Python's lock, so that half of the work runs on another core. Leaving the block
    waits for every message checked and raises ``InvalidMessage`` for the first one the
    schema refused."""
    done, waiting = [], []

    def check(message: Message) -> None:
        waiting.append((message.kind, message.message_id, xml_text(message)))
        if len(waiting) >= CHECKED_TOGETHER:
            done.append(pool.submit(_check, waiting.copy()))
            waiting.clear()

    try:
        yield check
    except BaseException:
        for future in done:
            future.cancel()
        raise
    if waiting:
        done.append(pool.submit(_check, waiting))
    for future in done:
        future.result()


def _check(messages: list[tuple[str, UUID, str]]) -> None:
    """Validate the messages, those of a kind as the messages of one ``ebirthExport``
    document, whose content model takes each by its own element declaration: every message
    is validated against the schema as it is alone, in one call into lxml (each call waits
    for Python's lock). If the schema refuses the document, each of its messages is
    validated alone, to name the one refused and its fault."""
    checker = getattr(_thread, "schema", None)
    if checker is None:  # one per thread: a schema's error log is its own
        checker = _thread.schema = etree.XMLSchema(etree.parse(str(SCHEMA_PATH)))
    for kind in ROOT_OF:  # the document's order: notifications first
        texts = [(message_id, text) for of_kind, message_id, text in messages if of_kind == kind]
        document = "".join([_CHECKED_DOCUMENT, *(text for _id, text in texts), "</ebirthExport>"])
        with contextlib.suppress(etree.XMLSyntaxError):
            if checker.validate(etree.fromstring(document)):
                continue
        for message_id, text in texts:
            if not checker.validate(etree.fromstring(text)):
                error = checker.error_log.last_error
                raise InvalidMessage(f"{message_id}: {error.message} (line {error.line})")
        raise InvalidMessage(f"the schema refused messages {texts[0][0]}…, not one alone")


_CHECKED_DOCUMENT = f'<ebirthExport xmlns="{NAMESPACE}" batch="1" schemaVersion="{SCHEMA_VERSION}">'


# --- CSV -----------------------------------------------------------------------------------

HEADER_COLUMNS = ["messageId", "revision", "corrects"]

# A spreadsheet runs a cell that starts with one of these as a formula (OWASP "CSV
# injection": a mother named =HYPERLINK(...) would become a link that leaks the sheet).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# …but a number stays a number, negative or with a sign ("-3", "-1.234,5", "+2,5 %").
_NUMBER = re.compile(r"^[+-]?\d[\d.,\u00a0\u202f ]*(\s?%)?$")


def csv_cell(value):
    """A cell as it may be written to a CSV file: a text that a spreadsheet would take for
    a formula gets a leading ``'`` (shown, never run); numbers are left as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and not _NUMBER.match(value):
        return "'" + value
    return value


class SafeCsvWriter:
    """``csv.writer`` whose every row goes through ``csv_cell``: the one CSV writer of the
    app (the eBirth batches, the figures)."""

    def __init__(self, file, **options):
        self._writer = csv.writer(file, **options)

    def writerow(self, row):
        return self._writer.writerow([csv_cell(cell) for cell in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)


def csv_writer(file, **options) -> SafeCsvWriter:
    return SafeCsvWriter(file, **options)


def _flatten(content: dict, prefix: str = "") -> dict[str, str]:
    flat = {}
    for name, value in content.items():
        key = f"{prefix}{name}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{key}."))
        else:
            flat[key] = _text(value)
    return flat


@cache
def csv_columns(kind: str) -> list[str]:
    """Every field of the kind, in the schema's order (optional ones included), read from
    the schema so that the CSV and the XML never disagree on what a message holds."""

    def walk(type_name: str, prefix: str) -> list[str]:
        names = []
        for name, child_type in sequence(type_name):
            key = f"{prefix}{name}"
            names += walk(child_type, f"{key}.") if child_type else [key]
        return names

    return HEADER_COLUMNS + walk(_root_type(ROOT_OF[kind]), "")


# --- the schema's structure --------------------------------------------------------------------


def _xs(name: str) -> str:
    return f"{{http://www.w3.org/2001/XMLSchema}}{name}"


@cache
def _complex_types() -> dict[str, etree._Element]:
    document = etree.parse(str(SCHEMA_PATH))
    return {
        node.get("name"): node for node in document.iter(_xs("complexType")) if node.get("name")
    }


@cache
def _root_type(element_name: str) -> str:
    document = etree.parse(str(SCHEMA_PATH))
    return next(
        node.get("type")
        for node in document.getroot().iter(_xs("element"))
        if node.get("name") == element_name
    )


@cache
def sequence(type_name: str) -> tuple[tuple[str, str], ...]:
    """A complex type's child elements in order: (name, complex type or "" for a value)."""
    types = _complex_types()
    fields = []
    for child in types[type_name].find(_xs("sequence")).iterchildren(_xs("element")):
        child_type = child.get("type") or ""
        fields.append((child.get("name"), child_type if child_type in types else ""))
    return tuple(fields)


@cache
def _csv_cells(columns: tuple[str, ...], structure: int) -> tuple[int, ...]:
    """Per column, the index of its cell among the header's and then the values of
    ``walk``: -1 for a field the messages of this structure do not have."""
    index = {
        path: position
        for position, (path, _type) in enumerate(value_fields(structure), len(HEADER_COLUMNS))
    }
    return tuple(
        HEADER_COLUMNS.index(column)
        if column in HEADER_COLUMNS
        else index.get(tuple(column.split(".")), -1)
        for column in columns
    )


def csv_row(
    message: Message, columns: list[str], walked: tuple[int, list] | None = None
) -> list[str]:
    """The message's values in the columns' order ("" for a field it does not have): the
    values ``_flatten`` gives. ``walked``: ``walk(message.content)``."""
    structure, values = walked or walk(message.content)
    cells = [str(message.message_id), str(message.revision), str(message.corrects or ""), *values]
    return [
        "" if index < 0 else cell if type(cell := cells[index]) is str else _text(cell)
        for index in _csv_cells(tuple(columns), structure)
    ]
