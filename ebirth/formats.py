"""How a message's content is written: XML (valid against ``schema/ebirth.xsd``), CSV rows
(one file per message kind, one column per field) and — in ``ebirth.fhir`` — a FHIR R4
Bundle. The writers render the stored content and add only the message's header."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from uuid import UUID

from lxml import etree

from ebirth.models import MessageKind

SCHEMA_PATH = Path(__file__).parent / "schema" / "ebirth.xsd"
NAMESPACE = "urn:be:moederschapsdossier:ebirth:1"
SCHEMA_VERSION = "1.0"
ROOT_OF = {MessageKind.NOTIFICATION: "birthNotification",
           MessageKind.STATISTICAL: "medicalStatisticalForm"}


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


def _fill(parent: etree._Element, content: dict, type_name: str) -> None:
    """Children in the schema's order (stored content comes back from PostgreSQL's jsonb
    with its keys reordered); a key the schema does not know is a mapping bug."""
    fields = sequence(type_name)
    unknown = set(content) - {name for name, _type in fields}
    if unknown:
        raise InvalidMessage(f"{type_name}: no such field in the schema: {sorted(unknown)}")
    for name, child_type in fields:
        if name not in content:
            continue
        child = etree.SubElement(parent, f"{{{NAMESPACE}}}{name}")
        value = content[name]
        if isinstance(value, dict):
            _fill(child, value, child_type)
        else:
            child.text = _text(value)


def element(message: Message) -> etree._Element:
    root = ROOT_OF[message.kind]
    node = etree.Element(f"{{{NAMESPACE}}}{root}", nsmap={None: NAMESPACE})
    node.set("messageId", str(message.message_id))
    node.set("revision", str(message.revision))
    if message.corrects:
        node.set("corrects", str(message.corrects))
    _fill(node, message.content, _root_type(root))
    return node


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


# --- CSV -----------------------------------------------------------------------------------

HEADER_COLUMNS = ["messageId", "revision", "corrects"]


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
    return {node.get("name"): node for node in document.iter(_xs("complexType"))
            if node.get("name")}


@cache
def _root_type(element_name: str) -> str:
    document = etree.parse(str(SCHEMA_PATH))
    return next(node.get("type") for node in document.getroot().iter(_xs("element"))
                if node.get("name") == element_name)


@cache
def sequence(type_name: str) -> tuple[tuple[str, str], ...]:
    """A complex type's child elements in order: (name, complex type or "" for a value)."""
    types = _complex_types()
    fields = []
    for child in types[type_name].find(_xs("sequence")).iterchildren(_xs("element")):
        child_type = child.get("type") or ""
        fields.append((child.get("name"), child_type if child_type in types else ""))
    return tuple(fields)


def csv_row(message: Message, columns: list[str]) -> list[str]:
    flat = _flatten(message.content)
    flat.update(messageId=str(message.message_id), revision=str(message.revision),
                corrects=str(message.corrects or ""))
    return [flat.get(column, "") for column in columns]
