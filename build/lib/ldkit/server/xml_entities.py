"""Bounds on XML entities, checked before an RDF/XML document reaches pyoxigraph's parser.

pyoxigraph's RDF/XML parser (oxrdfxml 0.5 on quick-xml 0.37) honours internal entities with no
limit. It reads every `<!DOCTYPE ...>` of a document wherever it stands (even inside or after the
root element; the declaration ends at the `>` that balances its `<`s), takes every piece of it
that starts with `<!ENTITY` (even inside a comment), expands the value at once and copies it at
each `&name;` after it. Nested entities of ten references each ("billion laughs", under 1 KB)
make it ask for 3 GB at the ninth level and abort the whole process with a Rust backtrace. It
reads no external entity (a `SYSTEM` or `PUBLIC` declaration is a syntax error to it), and reads
`<!ENTITY % p "...">` as an ordinary entity `p`.

`check_entities` reads a document the way that parser finds entities, expanding nothing, and
raises `EntityError` (a `ValueError`) with the line when a declaration is external or a parameter
entity, is not `<!ENTITY name "value">` with an ASCII name, makes a `&` (`&amp;`, `&#38;`: newer
parsers read such text again as references), refers to itself, or expands to more than
`MAX_ENTITY_BYTES`; and when every declaration and every reference together would expand to
more than `MAX_EXPANSION_BYTES` plus `EXPANSION_PER_BYTE` bytes per byte of the document. Small
entities abbreviating namespaces (`<!ENTITY owl "http://www.w3.org/2002/07/owl#">`, then
`&owl;Class`), common in OWL files, pass. Memory is bounded: a stream is read by chunks and
the DOCTYPEs kept are at most `MAX_DOCTYPE_BYTES` in all.
"""

from __future__ import annotations

import collections
import dataclasses
import re
from typing import IO

import pyoxigraph as ox

MAX_ENTITY_BYTES = 64 * 1024  # one entity's expansion; namespace IRIs take under 200
MAX_EXPANSION_BYTES = 16 * 1024 * 1024  # all expansions of a document, plus...
EXPANSION_PER_BYTE = 2  # ...this many bytes per byte of it
MAX_DOCTYPE_BYTES = 1024 * 1024  # all DOCTYPEs of a document together
MAX_NAME_BYTES = 256
CHUNK_BYTES = 1024 * 1024

_NAME = rb"[A-Za-z_:][-A-Za-z0-9._:]*"
_DOCTYPE = re.compile(rb"<!(?i:doctype)")
_ANGLE = re.compile(rb"[<>]")
# A reference as quick-xml reads one (`&` to the next `;`), the predefined entities left out.
_REFERENCE = re.compile(rb"&(?!(?:amp|lt|gt|quot|apos);)(" + _NAME + rb");")
_DECLARATION = re.compile(rb"!ENTITY([ \t\r\n]*)(%?)[ \t\r\n]*(" + _NAME + rb")([ \t\r\n]+|$)")
_SPACE = b" \t\r\n"
_PREDEFINED = {b"lt", b"gt", b"quot", b"apos"}
_FEW = 32  # entities counted by a search each; more, by one regex
_HUGE = 10**15  # sizes are counted up to this, then "more than"


class EntityError(ValueError):
    """An XML document whose entities ldkit refuses to expand; `line` is where, when known."""

    def __init__(self, reason: str, line: int | None = None) -> None:
        super().__init__(f"line {line}: {reason}" if line else reason)
        self.reason = reason
        self.line = line


@dataclasses.dataclass
class _Entity:
    name: bytes
    line: int
    literal: int  # bytes of the value that are not references to other entities
    references: collections.Counter[bytes]


def parse_graph(body: bytes, fmt: ox.RdfFormat, base_iri: str | None = None) -> list[ox.Triple]:
    """The triples of an RDF body sent to the server, its XML entities checked first."""
    if fmt == ox.RdfFormat.RDF_XML:
        check_entities(body)
    return [
        ox.Triple(t.subject, t.predicate, t.object)
        for t in ox.parse(body, format=fmt, base_iri=base_iri)
    ]


def check_entities(source: bytes | IO[bytes]) -> None:
    """Raise `EntityError` when the entities of an XML document could expand beyond the bounds.

    `source` is the whole document, as bytes or as a binary stream read to its end (a gzip
    stream decompresses as it goes); nothing is kept but the DOCTYPEs and a count per entity.
    """
    scanner = _Scanner()
    if isinstance(source, bytes):
        for start in range(0, len(source), CHUNK_BYTES):
            scanner.feed(source[start : start + CHUNK_BYTES], last=False)
    else:
        while chunk := source.read(CHUNK_BYTES):
            scanner.feed(chunk, last=False)
    scanner.feed(b"", last=True)
    scanner.finish()


class _Scanner:
    """One pass over a document by chunks: its DOCTYPEs, and the references that follow them."""

    def __init__(self) -> None:
        self.buffer = b""
        self.lines = 0  # newlines before the buffer
        self.length = 0  # bytes of the document
        self.doctype_bytes = 0
        self.entities: dict[bytes, list[_Entity]] = {}
        self.used: collections.Counter[bytes] = collections.Counter()

    def feed(self, chunk: bytes, *, last: bool) -> None:
        self.length += len(chunk)
        buffer = self.buffer + chunk if self.buffer else chunk
        cut = len(buffer) if last else _safe_cut(buffer)
        position = 0
        while True:
            found = _DOCTYPE.search(buffer, position)
            if found is None or found.start() >= cut:
                break
            self._count(buffer, position, found.start())
            end = _doctype_end(buffer, found.end())
            if end is None and not last:
                if self.doctype_bytes + len(buffer) - found.start() > MAX_DOCTYPE_BYTES:
                    self._too_long(buffer, found.start())
                self._keep(buffer, found.start())
                return
            end = len(buffer) if end is None else end  # never closed: the parser says so
            self.doctype_bytes += end - found.start()
            if self.doctype_bytes > MAX_DOCTYPE_BYTES:
                self._too_long(buffer, found.start())
            self._declare(
                buffer[found.end() : end], self.lines + buffer.count(b"\n", 0, found.end())
            )
            position = end + 1
        self._count(buffer, position, cut)
        self._keep(buffer, max(position, cut))

    def finish(self) -> None:
        sizes = _sizes(self.entities)
        largest = max(self.entities, key=lambda name: sizes[name], default=None)
        if largest is not None and sizes[largest] > MAX_ENTITY_BYTES:
            raise EntityError(
                f'entity "{largest.decode()}" would expand to {_bytes(sizes[largest])}; '
                f"ldkit expands at most {MAX_ENTITY_BYTES:,} bytes per entity",
                self.entities[largest][0].line,
            )
        total = sum(sizes[name] * len(entities) for name, entities in self.entities.items())
        total += sum(sizes[name] * count for name, count in self.used.items())
        limit = MAX_EXPANSION_BYTES + EXPANSION_PER_BYTE * self.length
        if total > limit:
            raise EntityError(
                f"its entities would expand to {_bytes(total)} in all; ldkit expands at most "
                f"{limit:,} for this document ({MAX_EXPANSION_BYTES // 2**20} MiB + "
                f"{EXPANSION_PER_BYTE} per byte of it)"
            )

    def _keep(self, buffer: bytes, start: int) -> None:
        self.lines += buffer.count(b"\n", 0, start)
        self.buffer = buffer[start:]

    def _count(self, buffer: bytes, start: int, end: int) -> None:
        """Count the references to entities declared before them (others stop the parser)."""
        if not self.entities or start >= end:
            return
        if len(self.entities) <= _FEW:  # the usual few namespaces: one fast search each
            for name in self.entities:
                if name not in _PREDEFINED and name != b"amp":
                    self.used[name] += buffer.count(b"&" + name + b";", start, end)
            return
        found = collections.Counter(_REFERENCE.findall(buffer, start, end))
        for name, count in found.items():
            if name in self.entities:
                self.used[name] += count

    def _too_long(self, buffer: bytes, start: int) -> None:
        raise EntityError(
            f"its DOCTYPEs take more than {MAX_DOCTYPE_BYTES:,} bytes; ldkit reads no more",
            self.lines + buffer.count(b"\n", 0, start) + 1,
        )

    def _declare(self, content: bytes, lines: int) -> None:
        """Read the `<!ENTITY` declarations of one DOCTYPE, as pyoxigraph splits it on `<`."""
        pieces = content.split(b"<")
        lines += pieces[0].count(b"\n")
        for piece in pieces[1:]:
            line = lines + 1
            lines += piece.count(b"\n")
            if piece.startswith(b"!ENTITY"):
                entity = _entity(piece, line)
                self.entities.setdefault(entity.name, []).append(entity)


def _bytes(size: int) -> str:
    return f"more than {_HUGE:,} bytes" if size >= _HUGE else f"{size:,} bytes"


def _safe_cut(buffer: bytes) -> int:
    """Where to stop in a buffer more data follows: before a reference or DOCTYPE cut in two."""
    cut = len(buffer)
    ampersand = buffer.find(b"&", max(0, cut - MAX_NAME_BYTES - 2))
    angle = buffer.find(b"<", max(0, cut - len(b"<!DOCTYPE")))
    for found in (ampersand, angle):
        if found >= 0:
            cut = min(cut, found)
    return cut


def _doctype_end(buffer: bytes, start: int) -> int | None:
    """The `>` that closes a DOCTYPE, as quick-xml finds it: `<` counts +1 and `>` -1."""
    balance = 0
    for found in _ANGLE.finditer(buffer, start):
        if buffer[found.start()] == ord("<"):
            balance += 1
        elif balance == 0:
            return found.start()
        else:
            balance -= 1
    return None


def _entity(piece: bytes, line: int) -> _Entity:
    """One `!ENTITY ...` piece read as pyoxigraph does, refusing what it reads another way."""
    found = _DECLARATION.match(piece)
    if found is None:
        raise EntityError(
            'an <!ENTITY declaration ldkit cannot read (it reads <!ENTITY name "value"> with '
            "a name of ASCII letters, digits and . - _ :)",
            line,
        )
    name = found.group(3)
    shown = name.decode()
    if found.group(2):
        raise EntityError(f'"{shown}" is a parameter entity; ldkit does not read them', line)
    if len(name) > MAX_NAME_BYTES:
        raise EntityError(f"an entity name of more than {MAX_NAME_BYTES} bytes", line)
    rest = piece[found.end() :]
    if rest.startswith((b"SYSTEM", b"PUBLIC")):
        raise EntityError(
            f'entity "{shown}" is external ({rest[:6].decode()}); ldkit does not read files or '
            "URLs named in a document",
            line,
        )
    if not rest.startswith(b'"'):
        raise EntityError(f'the value of entity "{shown}" is not in double quotes', line)
    value, quote, after = rest[1:].partition(b'"')
    if not quote or not after.lstrip(_SPACE).startswith(b">"):
        raise EntityError(f'the value of entity "{shown}" does not end with ">', line)
    return _value(name, value, line)


def _value(name: bytes, value: bytes, line: int) -> _Entity:
    """An entity's value as quick-xml unescapes it: `&` to the next `;` is a reference."""
    shown = name.decode()
    literal = len(value)
    references: collections.Counter[bytes] = collections.Counter()
    start = value.find(b"&")
    while start >= 0:
        end = value.find(b";", start)
        if end < 0:
            raise EntityError(f'the value of entity "{shown}" has a "&" without ";"', line)
        reference = value[start + 1 : end]
        literal -= end + 1 - start
        if reference == b"amp" or _character(reference) == ord("&"):
            raise EntityError(
                f'the value of entity "{shown}" makes a "&", which a parser may read again as a '
                "reference; ldkit refuses it",
                line,
            )
        if reference.startswith(b"#"):
            literal += 4  # a character: at most 4 bytes of UTF-8
        elif reference in _PREDEFINED:
            literal += 1
        else:
            references[reference] += 1
        start = value.find(b"&", end)
    return _Entity(name, line, literal, references)


def _character(reference: bytes) -> int | None:
    """The code point of a character reference (`#38`, `#x26`), read leniently; else None."""
    if not reference.startswith(b"#"):
        return None
    digits = reference[1:]
    try:
        return int(digits[1:], 16) if digits[:1] in (b"x", b"X") else int(digits)
    except ValueError:
        return None


def _sizes(entities: dict[bytes, list[_Entity]]) -> dict[bytes, int]:
    """Each entity's expansion in bytes (the largest of its declarations), memoised, no recursion.

    A reference to an entity declared nowhere counts 0: the parser refuses it.
    """
    sizes: dict[bytes, int] = {}
    for root in entities:
        if root in sizes:
            continue
        stack, visiting = [root], {root}
        while stack:
            name = stack[-1]
            pending = next(
                (
                    reference
                    for entity in entities[name]
                    for reference in entity.references
                    if reference in entities and reference not in sizes
                ),
                None,
            )
            if pending is not None:
                if pending in visiting:
                    raise EntityError(
                        f'entity "{name.decode()}" refers to itself through "{pending.decode()}"',
                        entities[name][0].line,
                    )
                stack.append(pending)
                visiting.add(pending)
                continue
            sizes[name] = min(_HUGE, max(_size(entity, sizes) for entity in entities[name]))
            stack.pop()
            visiting.discard(name)
    return sizes


def _size(entity: _Entity, sizes: dict[bytes, int]) -> int:
    return entity.literal + sum(
        count * sizes.get(reference, 0) for reference, count in entity.references.items()
    )
