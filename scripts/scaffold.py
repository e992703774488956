"""`ldkit init`: a new dataset folder laid out as ldkit reads it, valid from its first commit.

The folder holds settings (`ldkit.toml`), an ontology with its header (version 0.1.0, licence,
creator, preferred prefix) and one class of its own, the reused terms it relies on, a shape for
that class, one instance in a named graph with its source, one competency question with its
answer, and a `.gitignore` for the build. `ldkit validate --fail-on info` passes on it, `ldkit
questions` too, and `ldkit serve` serves it: each file says what to replace. Words are written
in English and French; another language gets the English words until someone writes them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from pathlib import Path

from ldkit.pipeline.loading import InputError

SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
PREFIX = re.compile(r"[a-z][a-z0-9]*")
LANGUAGE = re.compile(r"[a-z]{2,3}(?:-[a-z0-9]+)*")
WORDS = {  # the few words the files need, by language
    "en": {
        "item": "item",
        "item_def": "A thing the dataset describes: rename this class to what yours are.",
        "first": "First item",
        "source": "The source of the first item",
        "shape": "An item has one label in each of the dataset's languages: {languages}.",
        "ontology": "{title} ontology",
        "ontology_def": "The terms this dataset defines: say here what they are for.",
        "question": "Which items does the dataset describe, and what are they called?",
        "label": "label",
        "thing": "thing",
        "derived": "was derived from",
    },
    "fr": {
        "item": "élément",
        "item_def": "Une chose que le jeu de données décrit : renommez cette classe.",
        "first": "Premier élément",
        "source": "La source du premier élément",
        "shape": "Un élément a un libellé dans chacune des langues des données : {languages}.",
        "ontology": "Ontologie {title}",
        "ontology_def": "Les termes que ce jeu de données définit : dites ici à quoi ils servent.",
        "question": "Quels éléments le jeu de données décrit-il, et comment s'appellent-ils ?",
        "label": "libellé",
        "thing": "chose",
        "derived": "dérivé de",
    },
}


class InitRefused(InputError):
    """A folder that cannot be made as asked: the message says why."""


@dataclasses.dataclass(frozen=True)
class NewFolder:
    """What the new dataset is called and where its IRIs live."""

    root: Path
    base_iri: str
    name: str
    title: str
    prefix: str
    languages: tuple[str, ...]
    publisher: str

    @property
    def ontology_iri(self) -> str:
        return f"{self.base_iri}ontology"

    @property
    def namespace(self) -> str:
        return f"{self.ontology_iri}#"

    def words(self, key: str) -> list[tuple[str, str]]:
        """`(language, text)` of a word in every language of the dataset."""
        fill = {"title": self.title, "languages": ", ".join(self.languages)}
        return [(lang, WORDS.get(lang, WORDS["en"])[key].format(**fill)) for lang in self.languages]

    def literals(self, key: str) -> str:
        return " , ".join(
            f"{json.dumps(text, ensure_ascii=False)}@{lang}" for lang, text in self.words(key)
        )


def new_folder(
    root: Path,
    base_iri: str,
    name: str | None = None,
    title: str | None = None,
    prefix: str | None = None,
    languages: tuple[str, ...] = ("en", "fr"),
    publisher: str = "",
) -> NewFolder:
    """The new folder's names, checked; InitRefused for one that would not work."""
    if name is None and not SLUG.fullmatch(root.resolve().name):
        suggestion = "-".join(re.findall(r"[a-z0-9]+", root.resolve().name.lower())) or "my-data"
        raise InitRefused(
            f"the folder's name {root.resolve().name!r} is not a slug (lower-case letters, digits"
            f" and dashes): give one with --name {suggestion}"
        )
    name = name or root.resolve().name
    if not SLUG.fullmatch(name):
        raise InitRefused(f"--name {name!r}: a slug of lower-case letters, digits and dashes")
    if not re.fullmatch(r"https?://[^\s<>\"{}|\\^`#]+/", base_iri):
        raise InitRefused(
            f"--base-iri {base_iri!r}: an http(s) IRI ending with '/' (things are {{base}}id/...,"
            " the ontology {base}ontology and its terms {base}ontology#Name)"
        )
    if prefix is None:  # the name's initials, from its first letter on
        prefix = "".join(part[0] for part in name.lstrip("0123456789-").split("-") if part) or "ex"
    if not PREFIX.fullmatch(prefix):
        raise InitRefused(f"--prefix {prefix!r}: a letter, then letters or digits")
    languages = tuple(dict.fromkeys(lang.lower() for lang in languages))  # `EN,en` is one
    bad = [lang for lang in languages if not LANGUAGE.fullmatch(lang)]
    if bad or not languages:
        raise InitRefused(f"--languages: not language tags: {', '.join(bad) or 'none given'}")
    if root.exists() and any(root.iterdir()):
        raise InitRefused(f"{root} is not empty: ldkit init makes a new folder")
    title = title or name.replace("-", " ").capitalize()
    return NewFolder(root, base_iri, name, title, prefix, languages, publisher or name)


def write_folder(folder: NewFolder, today: dt.date | None = None) -> list[Path]:
    """Write the new folder's files; the paths written."""
    day = (today or dt.date.today()).isoformat()
    files = {
        "ldkit.toml": _settings(folder),
        f"ontology/{folder.name}.ttl": _ontology(folder, day),
        "ontology/reused-vocabularies.ttl": _reused(folder),
        f"shapes/{folder.name}.ttl": _shapes(folder),
        f"data/{folder.name}.trig": _data(folder),
        "queries/01-items.rq": _question(folder),
        "queries/01-items.csv": _answer(folder),
        ".gitignore": "dist/\n",
    }
    written = []
    for relative, text in files.items():
        path = folder.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
        written.append(path)
    return written


def _settings(folder: NewFolder) -> str:
    titles = ", ".join(f"{lang} = {json.dumps(folder.title)}" for lang in folder.languages)
    languages = ", ".join(json.dumps(lang) for lang in folder.languages)
    return (
        "# The settings of this dataset: README of ldkit, section Settings, lists them all.\n"
        f"base_iri = {json.dumps(folder.base_iri)}\n"
        f"name = {json.dumps(folder.name)}\n"
        f"title = {{ {titles} }}\n"
        f"publisher = {json.dumps(folder.publisher)}\n"
        f"languages = [{languages}]\n"
    )


PREFIXES = """@prefix {prefix}: <{namespace}> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix schema: <https://schema.org/> .
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix vann: <http://purl.org/vocab/vann/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""


def _prefixes(folder: NewFolder) -> str:
    return PREFIXES.format(prefix=folder.prefix, namespace=folder.namespace)


def _ontology(folder: NewFolder, day: str) -> str:
    label = folder.literals("ontology")
    return f"""{_prefixes(folder)}
# The ontology of {folder.name}: its header, then its own terms. Reuse terms of known vocabularies
# (schema.org, SKOS, Dublin Core...) where they fit; `ldkit validate` checks both kinds.

<{folder.ontology_iri}> a owl:Ontology ;
    owl:versionIRI <{folder.ontology_iri}/0.1.0> ;
    owl:versionInfo "0.1.0" ;
    rdfs:label {label} ;
    skos:definition {folder.literals("ontology_def")} ;
    dcterms:license <https://creativecommons.org/licenses/by/4.0/> ;
    dcterms:creator {json.dumps(folder.publisher)} ;
    dcterms:created "{day}"^^xsd:date ;
    dcterms:modified "{day}"^^xsd:date ;
    vann:preferredNamespacePrefix "{folder.prefix}" ;
    vann:preferredNamespaceUri "{folder.namespace}" .

{folder.prefix}:Item a owl:Class ;
    rdfs:subClassOf schema:Thing ;
    rdfs:label {folder.literals("item")} ;
    skos:definition {folder.literals("item_def")} ;
    rdfs:isDefinedBy <{folder.ontology_iri}> .
"""


def _reused(folder: NewFolder) -> str:
    return f"""{_prefixes(folder)}
# The terms of other vocabularies that the data, the shapes and the pages use, with the labels
# that pages show: declared here, never given axioms of ours.

rdfs:label a owl:AnnotationProperty ;
    rdfs:label {folder.literals("label")} .

prov:wasDerivedFrom a owl:ObjectProperty ;
    rdfs:label {folder.literals("derived")} .

schema:Thing a owl:Class ;
    rdfs:label {folder.literals("thing")} .
"""


def _shapes(folder: NewFolder) -> str:
    return f"""{_prefixes(folder)}@prefix shapes: <{folder.base_iri}shapes#> .

# What the data must be: `ldkit validate` checks it on every change.

shapes:ItemShape a sh:NodeShape ;
    sh:targetClass {folder.prefix}:Item ;
    sh:property [
        sh:path rdfs:label ;
        sh:message {folder.literals("shape")} ;
        sh:minCount {len(folder.languages)} ;
        sh:languageIn ( {" ".join(json.dumps(lang) for lang in folder.languages)} ) ;
        sh:uniqueLang true
    ] .
"""


def _data(folder: NewFolder) -> str:
    graph, source = f"{folder.base_iri}id/graph/first", f"{folder.base_iri}id/source/first"
    return f"""{_prefixes(folder)}
# The data, one named graph per source, each saying where it comes from.

<{graph}> {{
    <{folder.base_iri}id/item/first> a {folder.prefix}:Item ;
        rdfs:label {folder.literals("first")} .
}}

<{graph}> prov:wasDerivedFrom <{source}> .

<{source}> rdfs:label {folder.literals("source")} .
"""


def _question(folder: NewFolder) -> str:
    summaries = "".join(
        f"#+ summary{'' if lang == 'en' else '_' + lang}: {text}\n"
        for lang, text in folder.words("question")
    )
    first = folder.languages[0]
    return f"""{summaries}PREFIX {folder.prefix}: <{folder.namespace}>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>

SELECT ?item ?label WHERE {{
  ?item a {folder.prefix}:Item ;
      rdfs:label ?label .
  FILTER (LANG(?label) = "{first}")
}}
ORDER BY ?item
"""


def _answer(folder: NewFolder) -> str:
    label = dict(folder.words("first"))[folder.languages[0]]
    return f"item,label\r\n{folder.base_iri}id/item/first,{label}\r\n"
