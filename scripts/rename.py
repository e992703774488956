"""Rename a term of the ontology: NEW takes OLD's place everywhere, OLD stays as a tombstone.

`ldkit rename OLD NEW` declares NEW with OLD's statement block (labels, definition, axioms),
keeps OLD in the ontology deprecated (`owl:deprecated true`, `dcterms:isReplacedBy NEW`, a dated
`skos:changeNote`, its type, labels, definitions and `rdfs:isDefinedBy`, so its IRI still
resolves and old data still reads), and rewrites every other mention of OLD in the ontology,
data, shapes, queries and expected answers to NEW. A term no release has published (added since
the last release, or before the first) is renamed outright, without a tombstone: it was never a
promise to anyone. NEW is always one of the ontology's own terms (under its namespace): OLD's
statements are never given to another vocabulary's IRI. OLD may be a reused term
(`schema:audience` to `cm:intendedAudience`, to stop using it): then its block becomes NEW's and
no tombstone is written, since a term of another vocabulary is not ours to deprecate.

The rewrite is textual, not a reserialisation (`turtle_edits`). Every form of the name is
rewritten (prefixed by any prefix the file declares, `<full IRI>`, the bare IRI of a CSV
answer), as a whole name, in literals too (a SPARQL constraint's text names terms), and the new
text is parsed again before anything is written.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pyoxigraph as ox

from ldkit.pipeline.deprecation import deprecated_terms
from ldkit.pipeline.iri_text import (
    declared_prefixes,
    files_prefixes,
    replace_iri,
    show_iri,
    uses_iri,
)
from ldkit.pipeline.loading import Folder, read_folder
from ldkit.pipeline.releases.snapshots import releases
from ldkit.pipeline.turtle_edits import (
    Change,
    EditRefused,
    check_parses,
    declaring_file,
    own_terms_namespace,
    resolve_term,
    statement_block,
    text_files,
    tombstone,
)
from ldkit.server.namespaces import DCTERMS, RDF
from ldkit.server.settings import Settings


@dataclasses.dataclass(frozen=True)
class Renaming:
    """What `ldkit rename` changes, and whether OLD stays as a tombstone."""

    changes: list[Change]
    tombstone: bool


def plan_rename(settings: Settings, old_name: str, new_name: str) -> Renaming:
    """Every file that the rename changes, with its new text (nothing is written).

    OLD stays as a deprecated tombstone when a release has published it; a term added since the
    last release (or before the first) was never a promise, and is renamed outright."""
    folder = read_folder(settings)
    prefixes = files_prefixes([*folder.ontology.files, *folder.shapes.files])
    old, new = resolve_term(old_name, prefixes), resolve_term(new_name, prefixes)
    namespace = own_terms_namespace(folder)
    declaring = _declaring_file(folder, old, new, prefixes, namespace)
    # another vocabulary's term is not ours to deprecate; one no release holds needs no tombstone
    kept = old.startswith(namespace) and released(settings, old)
    changes = []
    for path in text_files(settings):
        before = path.read_text(encoding="utf-8")
        if path == declaring and kept:
            after = _rewrite_declaration(folder, before, old, new)
        else:
            after = replace_iri(before, old, new)
        if after != before:
            changes.append(Change(path, folder.relative(path), before, after))
    for change in changes:
        check_parses(change, settings)
    return Renaming(changes, kept)


def released(settings: Settings, term: str) -> bool:
    """Whether a release of the ontology (`releases/VERSION/ontology.ttl`) names `term`."""
    for version in releases(settings):
        frozen = settings.releases_dir / version / "ontology.ttl"
        if frozen.is_file() and uses_iri(frozen.read_text(encoding="utf-8"), term):
            return True
    return False


def _declaring_file(
    folder: Folder, old: str, new: str, prefixes: dict[str, str], namespace: str
) -> Path:
    """The ontology file that declares OLD; EditRefused when none does, OLD is deprecated
    already, NEW exists or is not in the ontology's `namespace`."""
    shown_old, shown_new = show_iri(old, prefixes), show_iri(new, prefixes)
    if not new.startswith(namespace):
        raise EditRefused(
            f"{shown_new} is not a term of this ontology (its terms are under {namespace}):"
            " a rename gives OLD's statements to a term of ours, never to another vocabulary's"
        )
    typed = ox.NamedNode(str(RDF.type))
    if any(q.subject == ox.NamedNode(new) and q.predicate == typed for q in folder.ontology.quads):
        raise EditRefused(f"{shown_new} is declared in the ontology already: pick another name")
    declaring = declaring_file(folder, old, shown_old)
    if old in deprecated_terms(folder):
        raise EditRefused(f"{shown_old} is deprecated already: rename its replacement instead")
    return declaring


def _rewrite_declaration(folder: Folder, text: str, old: str, new: str) -> str:
    """The declaring file: OLD's block becomes NEW's, followed by OLD's tombstone."""
    prefixes = declared_prefixes(text)
    _, end = statement_block(text, old)
    shown = show_iri(new, prefixes)
    grave = tombstone(
        folder,
        prefixes,
        old,
        [(ox.NamedNode(str(DCTERMS.isReplacedBy)), ox.NamedNode(new))],
        f"Renamed to {shown} on {{date}}.",
        f"replaced by {shown}",
    )
    return (
        replace_iri(text[:end], old, new, prefixes)
        + "\n"
        + grave
        + replace_iri(text[end:], old, new, prefixes)
    )
