"""The ontology header's release facts, set in the file's own text.

`owl:versionIRI`, `owl:versionInfo`, `owl:priorVersion`, `dcterms:issued` and `dcterms:modified`
are set by editing the statement about the ontology IRI, as `ldkit rename` edits names: the file
keeps its comments, layout and prefixes. The edited text is parsed again and must differ from the
old in exactly the triples set, or nothing is written.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import pyoxigraph as ox
from rdflib.compare import isomorphic

from ldkit.pipeline.graphs import to_graph
from ldkit.pipeline.iri_text import declared_prefixes, show_iri
from ldkit.pipeline.loading import InputError

# The facts, in the order they are added to a header that lacks them.
OWL = "http://www.w3.org/2002/07/owl#"
DCTERMS = "http://purl.org/dc/terms/"
XSD_DATE = "http://www.w3.org/2001/XMLSchema#date"
FACTS = (
    f"{OWL}versionIRI",
    f"{OWL}versionInfo",
    f"{OWL}priorVersion",
    f"{DCTERMS}issued",
    f"{DCTERMS}modified",
)
# Where a missing fact goes: after the first of these lines the statement has (else after its
# first line), so that the release facts sit beside their kin.
AFTER = {
    f"{OWL}versionIRI": (f"{OWL}versionInfo",),
    f"{OWL}versionInfo": (f"{OWL}versionIRI",),
    f"{OWL}priorVersion": (f"{OWL}versionInfo", f"{OWL}versionIRI"),
    f"{DCTERMS}issued": (f"{DCTERMS}created",),
    f"{DCTERMS}modified": (f"{DCTERMS}issued", f"{DCTERMS}created"),
}


def ontology_file(files: list[Path], ontology_iri: str) -> Path:
    """The file that declares the ontology (`<iri> a owl:Ontology`)."""
    subject = ox.NamedNode(ontology_iri)
    for path in files:
        if path.suffix != ".ttl":
            continue
        for triple in ox.parse(path=str(path)):
            if triple.subject == subject and triple.object == ox.NamedNode(f"{OWL}Ontology"):
                return path
    raise InputError(f"no Turtle file of ontology/ declares <{ontology_iri}> a owl:Ontology")


def set_facts(path: Path, ontology_iri: str, facts: Mapping[str, ox.NamedNode | ox.Literal]) -> str:
    """The text of `path` with each fact (predicate IRI -> value) set on the ontology IRI."""
    text = path.read_text(encoding="utf-8")
    prefixes = declared_prefixes(text)
    start, end = _statement(text, ontology_iri, prefixes)
    block = text[start:end]
    for predicate in FACTS:
        if predicate in facts:
            after = [show_iri(p, prefixes) for p in AFTER[predicate]]
            shown = show_iri(predicate, prefixes)
            block = _set(block, shown, _written(facts[predicate], prefixes), after)
    edited = text[:start] + block + text[end:]
    _check(path, text, edited, ontology_iri, facts)
    return edited


def _statement(text: str, iri: str, prefixes: Mapping[str, str]) -> tuple[int, int]:
    """Where the statement about the ontology IRI starts and ends (after its final dot)."""
    names = {f"<{iri}>", show_iri(iri, prefixes)}
    pattern = "|".join(re.escape(name) for name in names)
    found = re.search(rf"^(?:{pattern})\s+(?:a|rdf:type)\s", text, re.MULTILINE)
    if not found:
        raise InputError(f"the ontology's statement (<{iri}> a owl:Ontology) was not found")
    quoted = False
    position = found.start()
    while position < len(text):
        char = text[position]
        if char == "\\":
            position += 2
            continue
        if char == '"':
            quoted = not quoted
        elif char == "." and not quoted and text[position + 1 : position + 2] in ("\n", ""):
            return found.start(), position + 1
        position += 1
    raise InputError(f"the ontology's statement about <{iri}> does not end with a dot")


def _set(block: str, predicate: str, value: str, after: list[str]) -> str:
    line = _line(predicate)
    if line.search(block):
        return line.sub(lambda m: f"{m.group(1)}{predicate} {value} {m.group(2)}", block, count=1)
    for kin in after:
        found = _line(kin).search(block)
        if found and found.group(2) == ";":  # a line ending the statement stays the last
            added = f"\n{found.group(1)}{predicate} {value} ;"
            return block[: found.end()] + added + block[found.end() :]
    first, _, rest = block.partition("\n")
    if first.rstrip().endswith("."):  # a header on one line: it goes on after the new fact
        return f"{first.rstrip()[:-1].rstrip()} ;\n    {predicate} {value} .\n{rest}".rstrip("\n")
    return f"{first}\n    {predicate} {value} ;\n{rest}"


def _line(predicate: str) -> re.Pattern[str]:
    """One line of the statement giving `predicate` a value: (indent, the `;` or `.` ending it)."""
    return re.compile(rf"^(\s+){re.escape(predicate)}\s+[^\n]*?\s*([;.])[ \t]*$", re.MULTILINE)


def _written(value: ox.NamedNode | ox.Literal, prefixes: Mapping[str, str]) -> str:
    if isinstance(value, ox.NamedNode):
        return f"<{value.value}>"
    if value.datatype.value == XSD_DATE:
        return f'"{value.value}"^^{show_iri(XSD_DATE, prefixes)}'
    return str(value)


def _check(
    path: Path,
    old: str,
    new: str,
    iri: str,
    facts: Mapping[str, ox.NamedNode | ox.Literal],
) -> None:
    """Refuse an edit that changed anything but the facts (the file's text was unusual)."""
    subject = ox.NamedNode(iri)
    try:
        before = list(ox.parse(old, format=ox.RdfFormat.TURTLE))
        after = list(ox.parse(new, format=ox.RdfFormat.TURTLE))
    except SyntaxError as error:
        raise InputError(f"{path}: setting the release facts broke the file ({error})") from None
    expected = [t for t in before if not (t.subject == subject and t.predicate.value in facts)]
    expected += [ox.Quad(subject, ox.NamedNode(p), v) for p, v in facts.items()]
    if not isomorphic(to_graph(after), to_graph(expected)):
        raise InputError(
            f"{path}: could not set the release facts in the ontology's statement by editing"
            " its text; set owl:versionIRI, owl:versionInfo, owl:priorVersion and"
            " dcterms:modified by hand, one per line"
        )
