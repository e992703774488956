"""Reading SPARQL text before it runs: a lexer that knows strings, IRIs and comments.

The endpoint must refuse `SERVICE` and `LOAD` before anything executes, know the query form to
negotiate a format, and add `USING` clauses for `using-graph-uri`. All three need the keywords of
the text, not the words inside a string literal, an IRI, a prefixed name or a comment: that is what
`tokens` gives. Syntax errors are left to the engine's parser, which reports them with a position.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Iterable, Iterator, Sequence

_TOKEN = re.compile(
    r"""
     (?P<ws>\s+)
    |(?P<comment>\#[^\n\r]*)
    |(?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
    |(?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
               |'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*")
    |(?P<var>[?$]\w+)
    |(?P<bnode>_:[\w.-]*\w)
    |(?P<pname>(?:[^\W\d_][\w.-]*)?:(?:[\w:%\\][\w.:%\\-]*)?)
    |(?P<word>[^\W\d][\w-]*)
    |(?P<number>\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)
    |(?P<punct>\^\^|&&|\|\||!=|<=|>=|.)
    """,
    re.VERBOSE | re.DOTALL,
)

# `read_query` remembers the facts of up to this many texts of at most this many characters
# (the tokens of a 2,000-character text take at most about 120 kB: 30 MB in the worst case).
REMEMBERED_QUERIES = 256
REMEMBERED_TEXT_CHARS = 2048

QUERY_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
UPDATE_WORDS = (
    "INSERT",
    "DELETE",
    "LOAD",
    "CLEAR",
    "DROP",
    "CREATE",
    "ADD",
    "MOVE",
    "COPY",
    "WITH",
)


@dataclasses.dataclass(frozen=True)
class Token:
    """One lexical token: its kind (`word`, `iri`, `string`, `punct`...), text and offset."""

    kind: str
    text: str
    start: int

    @property
    def keyword(self) -> str:
        """The upper-cased text of a bare word (a keyword), else an empty string."""
        return self.text.upper() if self.kind == "word" else ""


class RefusedOperation(ValueError):
    """A query or update that the endpoint will not run (SERVICE, LOAD, a dataset conflict)."""


def tokens(text: str) -> Iterator[Token]:
    """The tokens of SPARQL text, without white space and comments."""
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "punct"
        if kind not in ("ws", "comment"):
            yield Token(kind, match.group(), match.start())


@dataclasses.dataclass(frozen=True)
class QueryFacts:
    """What the endpoint needs to know about a query before running it, from one lexer pass."""

    form: str | None
    has_from: bool
    prefixes: dict[str, str]
    stream: tuple[Token, ...]


def read_query(text: str) -> QueryFacts:
    """The form, dataset clause and prefixes of a query (see `query_form`, `has_from`...).

    Facts of short texts are remembered (a bounded LRU): a browsing session sends the same
    queries again and again. The result is shared: treat it, and its `prefixes`, as read-only.
    """
    if len(text) <= REMEMBERED_TEXT_CHARS:
        return _remembered_facts(text)
    return _read_query(text)


@functools.lru_cache(maxsize=REMEMBERED_QUERIES)
def _remembered_facts(text: str) -> QueryFacts:
    return _read_query(text)


def _read_query(text: str) -> QueryFacts:
    stream = tuple(tokens(text))
    return QueryFacts(
        _form(stream),
        any(token.keyword == "FROM" for token in stream),
        _prefixes(stream),
        stream,
    )


def query_form(text: str) -> str | None:
    """`SELECT`, `ASK`, `CONSTRUCT` or `DESCRIBE`: the first query-form keyword, or None."""
    return _form(tokens(text))


def _form(stream: Iterable[Token]) -> str | None:
    for token in stream:
        if token.keyword in QUERY_FORMS:
            return token.keyword
        if token.keyword in UPDATE_WORDS:
            return None
    return None


def check_remote_access(text: str | Sequence[Token], allowed: Sequence[str] = ()) -> None:
    """Raise RefusedOperation when the text would make the server open a connection.

    `LOAD` is always refused; `SERVICE` is refused unless its endpoint is a literal IRI listed in
    `allowed` (a variable endpoint or a prefixed name is refused: it cannot be checked first).
    """
    stream = list(tokens(text)) if isinstance(text, str) else text
    for position, token in enumerate(stream):
        if token.keyword == "LOAD":
            raise RefusedOperation("LOAD is not allowed: this endpoint never fetches remote data")
        if token.keyword != "SERVICE":
            continue
        following = [t for t in stream[position + 1 : position + 3] if t.keyword != "SILENT"]
        target = following[0] if following else None
        if target is None or target.kind != "iri" or target.text[1:-1] not in allowed:
            shown = target.text if target else "?"
            raise RefusedOperation(
                f"SERVICE {shown} is not allowed: this endpoint does not run federated queries"
                " (only endpoints on its allow-list)"
            )


def has_dataset_clause(update: str) -> bool:
    """Whether an update names its own dataset with `USING` or `WITH`."""
    return any(token.keyword in ("USING", "WITH") for token in tokens(update))


def add_using(update: str, default_graphs: Sequence[str], named_graphs: Sequence[str]) -> str:
    """The update with `USING <g>` / `USING NAMED <g>` before the WHERE of each DELETE/INSERT.

    This is how the protocol's `using-graph-uri` and `using-named-graph-uri` apply: as if each
    modify operation carried the clauses. `INSERT DATA`, `DELETE DATA` and `DELETE WHERE` have no
    dataset and are left alone.
    """
    clauses = [f"USING <{iri}>" for iri in default_graphs]
    clause = " ".join(clauses + [f"USING NAMED <{iri}>" for iri in named_graphs])
    if not clause:
        return update
    insert_at = list(_modify_where_offsets(list(tokens(update))))
    for offset in reversed(insert_at):
        update = f"{update[:offset]}{clause} {update[offset:]}"
    return update


def _modify_where_offsets(stream: list[Token]) -> Iterator[int]:
    depth, first, previous = 0, "", ""
    for token in stream:
        if token.text in ("{", "["):
            depth += 1
        elif token.text in ("}", "]"):
            depth -= 1
        elif depth == 0 and token.text == ";":
            first, previous = "", ""
            continue
        keyword = token.keyword
        if depth == 0 and keyword and not first and keyword not in ("PREFIX", "BASE"):
            first = keyword
        is_modify = first in ("INSERT", "DELETE") and previous not in ("DELETE", "INSERT")
        if depth == 0 and keyword == "WHERE" and is_modify:
            yield token.start
        if depth == 0 and keyword in ("DATA", "WHERE") and previous in ("INSERT", "DELETE"):
            first = "DATA"  # INSERT DATA, DELETE DATA, DELETE WHERE: no dataset clause
        previous = keyword if depth == 0 else previous


def declared_prefixes(text: str) -> dict[str, str]:
    """The `PREFIX p: <iri>` declarations of the text, to reuse when writing Turtle answers."""
    return _prefixes(tuple(tokens(text)))


def _prefixes(stream: Sequence[Token]) -> dict[str, str]:
    found: dict[str, str] = {}
    for position, token in enumerate(stream[:-2]):
        name, iri = stream[position + 1], stream[position + 2]
        if token.keyword == "PREFIX" and name.kind == "pname" and iri.kind == "iri":
            found[name.text[:-1]] = iri.text[1:-1]
    return found


def has_from(text: str) -> bool:
    """Whether a query names its dataset with FROM or FROM NAMED."""
    return any(token.keyword == "FROM" for token in tokens(text))
