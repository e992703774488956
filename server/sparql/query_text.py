"""Reading SPARQL text before it runs: a lexer that knows strings, IRIs and comments.

The endpoint must refuse `SERVICE` and `LOAD` before anything executes, know the query form to
negotiate a format, add `USING` clauses for `using-graph-uri`, and refuse nesting deeper than the
engine's parser can take. All of it needs the keywords of the text, not the words inside a string
literal, an IRI, a prefixed name or a comment, and the depth of its brackets: that is what `tokens`
gives, in one pass as long as the text whatever the text holds (a request body must not make the
reading slow). Syntax errors are left to the engine's parser, which reports them with a position.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import NamedTuple

from ldkit.server.namespaces import PREFIXES

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
# The keywords the endpoint acts on. Other words are read (so that `?x`, `ex:LOAD` or `1e5` stay
# one token) but not kept, nor are literals, numbers and punctuation.
# Functions whose value changes from one run to the next: an answer using one is never kept.
VOLATILE = ("NOW", "RAND", "UUID", "STRUUID")
KEYWORDS = frozenset(
    QUERY_FORMS
    + UPDATE_WORDS
    + VOLATILE
    + ("BASE", "DATA", "FROM", "NAMED", "PREFIX", "SERVICE", "SILENT", "USING", "WHERE")
)

# How deep `(`, `{` and `[` may nest. The engine's parser recurses at each level, and a few
# thousand levels overflow its stack and kill the query process; queries written by people or
# tools nest a few dozen levels at most.
MAX_NESTING = 128

# Every repetition is possessive (`*+`, `++`) and no alternative can fail after scanning far, so
# each character is looked at a bounded number of times. Punctuation, numbers and white space go
# by in runs (`marks`); a name run like `a.a.a...` is one match, split afterwards only when it has
# no colon; a string that never closes is one token to the end of its line (of the text, for a
# long string) instead of a scan tried again at every later quote.
_NUMBER = r"\d++(?:\.\d*+)?(?:[eE][+-]?\d++)?|\.\d++(?:[eE][+-]?\d++)?"
_IRI = r"""<[^<>"{}|^`\\\x00-\x20]*+>"""
_STRING = (
    r"""'''(?:[^'\\]|\\.|'(?!''))*+(?:''')?|\"\"\"(?:[^"\\]|\\.|"(?!""))*+(?:\"\"\")?"""
    r"""|'(?:[^'\\\n\r]|\\.)*+'?|"(?:[^"\\\n\r]|\\.)*+"?"""
)
_TOKEN = re.compile(
    rf"""
     (?P<marks>(?:{_NUMBER}|[^\w'"<\#?$:]|[?$](?!\w)|(?!{_IRI})<)++)
    |(?P<name>[^\W\d_][\w.-]*+(?::(?:[\w:%\\][\w.:%\\-]*+)?)?)
    |(?P<var>[?$]\w++)
    |(?P<iri>{_IRI})
    |(?P<pname>:(?:[\w:%\\][\w.:%\\-]*+)?)
    |(?P<string>{_STRING})
    |(?P<comment>\#[^\n\r]*+)
    |(?P<bnode>_:[\w.-]*\w)
    |(?P<other>_[\w-]*+|.)
    """,
    re.VERBOSE | re.DOTALL,
)
# The words of a name run without a colon: `a.b` is `a`, `.`, `b`; `a.1e5SERVICE` holds SERVICE.
_IN_NAME = re.compile(rf"(?:{_NUMBER}|[.-])*+(?P<word>[^\W\d][\w-]*+)")
# Keeps, of a run of marks, what changes the depth or ends an update operation.
_STRUCTURE = str.maketrans({chr(c): None for c in range(128) if chr(c) not in "(){}[];"})
_OPENING = frozenset("({[")
_BLANK = re.compile(r"(?:\s|\#[^\n\r]*+)*+")

# A query that only describes named things (`looks_up_only`): the tokens that name one, and the
# longest text.
_NAMES = ("iri", "pname")
LOOKUP_TEXT_CHARS = 2048

# `read_query` remembers the facts of up to this many texts of at most this many characters.
REMEMBERED_QUERIES = 256
REMEMBERED_TEXT_CHARS = 2048


class Token(NamedTuple):
    """A token the endpoint acts on: a keyword (`word`), an `iri`, a `pname`, a `var`, or a `;`
    between update operations; with its offset in the text (for a `;`, that of the run of
    punctuation it is in) and its nesting depth there."""

    kind: str
    text: str
    start: int
    depth: int = 0

    @property
    def keyword(self) -> str:
        """The upper-cased keyword, for a `word`, else an empty string."""
        return self.text.upper() if self.kind == "word" else ""


class RefusedOperation(ValueError):
    """A query or update that the endpoint will not run (SERVICE, LOAD, a dataset conflict)."""


def tokens(text: str) -> Iterator[Token]:
    """The tokens of SPARQL text that the endpoint acts on (see `Token`), in order."""
    return iter(_read(text)[0])


class Lexeme(NamedTuple):
    """Any token of SPARQL text but white space and comments, with its offset: a `word` (a name
    without a colon), `pname`, `iri`, `var`, `string`, `bnode`, a punctuation `mark` (one
    character), or `other`."""

    kind: str
    text: str
    start: int


def lexemes(text: str) -> Iterator[Lexeme]:
    """Every token of SPARQL text, for tools that read a query's structure (the SHACL engine
    binding `$this`), where `tokens` keeps only what the endpoint acts on. Same lexer: strings,
    IRIs and comments are read the same way; a name run with dots gives its words; numbers come
    as the marks of their digits."""
    for match in _TOKEN.finditer(text):
        kind, value, start = match.lastgroup or "other", match.group(), match.start()
        if kind == "marks":
            for offset, mark in enumerate(value):
                if not mark.isspace():
                    yield Lexeme("mark", mark, start + offset)
        elif kind == "name" and ":" in value:
            yield Lexeme("pname", value, start)
        elif kind == "name" and "." in value:
            for word in _IN_NAME.finditer(value):
                yield Lexeme("word", word.group("word"), start + word.start("word"))
        elif kind == "name":
            yield Lexeme("word", value, start)
        elif kind != "comment":
            yield Lexeme(kind, value, start)


def _read(text: str) -> tuple[list[Token], int]:
    """The tokens, and the deepest nesting (the reading stops once it passes `MAX_NESTING`)."""
    found: list[Token] = []
    depth = deepest = 0
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        if kind == "marks":
            for mark in match.group().translate(_STRUCTURE):
                if mark in _OPENING:
                    depth += 1
                    deepest = max(deepest, depth)
                    if depth > MAX_NESTING:
                        return found, depth
                elif mark != ";":
                    depth -= 1
                elif depth == 0 and (not found or found[-1].kind != ";"):
                    found.append(Token(";", ";", match.start()))
        elif kind == "name":
            run = match.group()
            if ":" in run:
                found.append(Token("pname", run, match.start(), depth))
            elif run.upper() in KEYWORDS:
                found.append(Token("word", run, match.start(), depth))
            elif "." in run:
                found += _words_of(run, match.start(), depth)
        elif kind in ("var", "iri", "pname"):
            found.append(Token(kind, match.group(), match.start(), depth))
    return found, deepest


def _words_of(run: str, start: int, depth: int) -> Iterator[Token]:
    """The keywords in a name run with dots and no colon (looked for only if one is there)."""
    upper = run.upper()
    if not any(keyword in upper for keyword in KEYWORDS):
        return
    for match in _IN_NAME.finditer(run):
        if match.group("word").upper() in KEYWORDS:
            yield Token("word", match.group("word"), start + match.start("word"), depth)


@dataclasses.dataclass(frozen=True)
class QueryFacts:
    """What the endpoint needs to know about a query before running it, from one lexer pass."""

    form: str | None
    has_from: bool
    prefixes: dict[str, str]
    stream: tuple[Token, ...]
    deepest: int
    volatile: bool = False  # calls NOW(), RAND(), UUID() or STRUUID(): never cached nor validated


def read_query(text: str) -> QueryFacts:
    """The form, dataset clause, prefixes and nesting of a query or update.

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
    found, deepest = _read(text)
    stream = tuple(found)
    return QueryFacts(
        _form(stream),
        any(token.keyword == "FROM" for token in stream),
        _prefixes(stream),
        stream,
        deepest,
        any(token.keyword in VOLATILE for token in stream),
    )


_AT = re.compile(r"error at (\d+):(\d+)")


def explain(message: str, text: str) -> str:
    """The parser's message, with what it means when it is one people cannot read: an undeclared
    prefix ("Prefix not found" among a list of code points) is named, with its usual IRI."""
    where = _AT.search(message)
    if "Prefix not found" not in message or where is None:
        return message
    line, column = int(where.group(1)), int(where.group(2))
    lines = text.split("\n")
    if not 1 <= line <= len(lines):
        return message
    before = lines[line - 1][: max(column - 1, 0) + 1].rstrip()
    name = re.search(r"([A-Za-z][\w.-]*)?:[^\s:]*$", before)
    prefix = (name.group(1) or "") if name else None
    if prefix is None:
        return message
    known = PREFIXES.get(prefix)
    declare = f" (PREFIX {prefix}: <{known}>)" if known else ""
    return f"the prefix {prefix}: is not declared: add a PREFIX line{declare}\n({message})"


def star_order(text: str, names: Sequence[str]) -> list[str]:
    """The variables of a `SELECT *` in the order the query first names them, as people read
    them (`?s ?p ?o`; pyoxigraph sorts them, `o, p, s`); the others, and any other query's
    projection, as given."""
    if "*" not in text:
        return list(names)
    seen: list[str] = []
    after_select = None
    for lexeme in lexemes(text):
        if after_select is None and lexeme.kind == "word" and lexeme.text.upper() == "SELECT":
            after_select = True
            continue
        if after_select is True:
            if lexeme.kind == "word" and lexeme.text.upper() in ("DISTINCT", "REDUCED"):
                continue
            if not (lexeme.kind == "mark" and lexeme.text == "*"):
                return list(names)
            after_select = False
        elif lexeme.kind == "var":
            seen.append(lexeme.text[1:])
    first = {name: index for index, name in enumerate(dict.fromkeys(seen))}
    return sorted(names, key=lambda name: first.get(name, len(first)))


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


def looks_up_only(text: str, facts: QueryFacts) -> bool:
    """Whether a query only describes named things: `DESCRIBE <a> ex:b`, prefixes declared or not.

    No pattern, no variable, no dataset clause, and a text of at most LOOKUP_TEXT_CHARS. The
    engine answers it with index lookups (the things' statements, then those of their blank
    nodes, each node once) and streams them, so the row cap bounds its work: it cannot run away.
    """
    if facts.form != "DESCRIBE" or facts.deepest or len(text) > LOOKUP_TEXT_CHARS:
        return False
    stream = facts.stream
    at = next(n for n, token in enumerate(stream) if token.keyword == "DESCRIBE")
    prologue, described = stream[:at], stream[at + 1 :]
    return (
        all(t.kind in _NAMES or t.keyword in ("BASE", "PREFIX") for t in prologue)
        and bool(described)
        and all(t.kind in _NAMES for t in described)
    )


def check_nesting(facts: QueryFacts) -> None:
    """Raise RefusedOperation for brackets nested deeper than `MAX_NESTING`."""
    if facts.deepest > MAX_NESTING:
        raise RefusedOperation(
            f"brackets nested more than {MAX_NESTING} levels deep:"
            f" this endpoint reads at most {MAX_NESTING} levels"
        )


def check_remote_access(text: str | Sequence[Token], allowed: Sequence[str] = ()) -> None:
    """Raise RefusedOperation when the text would make the server open a connection.

    `LOAD` is always refused; `SERVICE` is refused unless its endpoint is a literal IRI listed in
    `allowed` (a variable endpoint or a prefixed name is refused: it cannot be checked first).
    Literals, numbers and punctuation are not in the stream: after `SERVICE` the grammar allows
    only `SILENT`, a variable, an IRI or a prefixed name, so anything else is a syntax error.
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


def has_dataset_clause(facts: QueryFacts) -> bool:
    """Whether an update names its own dataset with `USING` or `WITH`."""
    return any(token.keyword in ("USING", "WITH") for token in facts.stream)


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
    insert_at = list(_modify_where_offsets(update))
    for offset in reversed(insert_at):
        update = f"{update[:offset]}{clause} {update[offset:]}"
    return update


def _modify_where_offsets(update: str) -> Iterator[int]:
    first, previous = "", None
    for token in tokens(update):
        if token.depth != 0:
            continue
        if token.kind == ";":
            first, previous = "", None
            continue
        keyword = token.keyword
        if keyword and not first and keyword not in ("PREFIX", "BASE"):
            first = keyword
        # `INSERT DATA`, `DELETE DATA`, `DELETE WHERE`: the two words with nothing between them
        follows = (
            previous is not None
            and previous.keyword in ("DELETE", "INSERT")
            and _BLANK.fullmatch(update, previous.start + len(previous.text), token.start)
        )
        if keyword == "WHERE" and first in ("INSERT", "DELETE") and not follows:
            yield token.start
        if keyword in ("DATA", "WHERE") and follows:
            first = "DATA"  # no dataset clause
        previous = token


def _prefixes(stream: Sequence[Token]) -> dict[str, str]:
    found: dict[str, str] = {}
    for position, token in enumerate(stream[:-2]):
        name, iri = stream[position + 1], stream[position + 2]
        if token.keyword == "PREFIX" and name.kind == "pname" and iri.kind == "iri":
            found[name.text[:-1]] = iri.text[1:-1]
    return found
