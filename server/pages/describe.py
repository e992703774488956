"""What a resource's RDF holds, and the facts its page shows beside it.

The RDF of a thing (one CONSTRUCT over the union of the graphs): its own triples with the blank
nodes they lead to (three levels deep), the triples that point at it (at most
`INCOMING_IN_RDF`), the types and labels of every IRI it mentions, and `void:inDataset` the
dataset. The dataset's own IRI is described by the whole VoID + DCAT graph of the build.
"""

from __future__ import annotations

import dataclasses

import pyoxigraph as ox

from ldkit.server.pages import reading
from ldkit.server.pages.labels import LABEL_PROPERTIES
from ldkit.server.settings import Settings

INCOMING_IN_RDF = 1000
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
VOID_IN_DATASET = "http://rdfs.org/ns/void#inDataset"
WAS_DERIVED_FROM = "http://www.w3.org/ns/prov#wasDerivedFrom"

_DESCRIPTION = """CONSTRUCT {{
  {x} ?p ?o . ?b1 ?p1 ?o1 . ?b2 ?p2 ?o2 . ?b3 ?p3 ?o3 .
  ?s ?q {x} .
  ?m ?lp ?lv .{page_template}
}} WHERE {{
  {{ {x} ?p ?o }}
  UNION {{ {x} ?_a ?b1 FILTER(isBlank(?b1)) ?b1 ?p1 ?o1 }}
  UNION {{ {x} ?_a ?_b FILTER(isBlank(?_b)) ?_b ?_c ?b2 FILTER(isBlank(?b2)) ?b2 ?p2 ?o2 }}
  UNION {{ {x} ?_a ?_b FILTER(isBlank(?_b)) ?_b ?_c ?_d FILTER(isBlank(?_d))
           ?_d ?_e ?b3 FILTER(isBlank(?b3)) ?b3 ?p3 ?o3 }}
  UNION {{ SELECT ?s ?q WHERE {{ ?s ?q {x} }} LIMIT {limit} }}
  UNION {{
    {{ SELECT DISTINCT ?m WHERE {{
        {{ {x} ?m ?_o }} UNION {{ {x} ?_p ?m }}
        UNION {{ {x} ?_p ?_b FILTER(isBlank(?_b)) {{ ?_b ?m ?_c }} UNION {{ ?_b ?_d ?m }} }}
        UNION {{ SELECT ?m WHERE {{ ?m ?_q {x} }} LIMIT {limit} }}
        UNION {{ SELECT DISTINCT ?m WHERE {{ ?_s ?m {x} }} }}
    }} }}
    ?m ?lp ?lv
    FILTER(isIRI(?m) && ?lp IN (<{rdf_type}>, {labels}))
  }}{page_where}
}}"""

# What a page shows beside the RDF, asked in the same CONSTRUCT (one round trip to the store):
# the graphs stating facts about the thing (and their sources), its incoming links counted by
# property, and the labels of those graphs and sources. The counts and the graphs come back as
# triples of a private vocabulary, taken out before anything else sees the triples.
PAGE = "urn:x-ldkit:page#"
STATES, INCOMING_COUNT = PAGE + "states", PAGE + "incomingCount"
_PAGE_TEMPLATE = f"""
  ?sg <{STATES}> {{x}} . ?sg prov:wasDerivedFrom ?ssource .
  ?cq <{INCOMING_COUNT}> ?cn .
  ?lr ?llp ?ll ."""
_PAGE_WHERE = """
  UNION {{ SELECT DISTINCT ?sg ?ssource WHERE {{
      GRAPH ?sg {{ {x} ?_sp ?_so }} OPTIONAL {{ ?sg prov:wasDerivedFrom ?ssource }} }} }}
  UNION {{ SELECT ?cq (COUNT(DISTINCT ?cs) AS ?cn) WHERE {{ ?cs ?cq {x} }} GROUP BY ?cq }}
  UNION {{ SELECT DISTINCT ?lr ?llp ?ll WHERE {{
      {{ SELECT DISTINCT ?lr WHERE {{
          {{ GRAPH ?lr {{ {x} ?_lp1 ?_lo1 }} }}
          UNION {{ GRAPH ?_lg {{ {x} ?_lp2 ?_lo2 }} ?_lg prov:wasDerivedFrom ?lr }} }} }}
      ?lr ?llp ?ll FILTER(?llp IN ({labels}) && isLiteral(?ll)) }} }}"""


def resource_triples(iri: str, settings: Settings) -> list[ox.Triple]:
    """The RDF served for `iri` (empty when the dataset says nothing of it)."""
    triples = reading.construct(_description_query(iri))
    return _served(iri, triples, settings)


def _description_query(iri: str, page: bool = False) -> str:
    x = reading.iri(iri)
    labels = ", ".join(f"<{p}>" for p in LABEL_PROPERTIES)
    return _DESCRIPTION.format(
        x=x,
        limit=INCOMING_IN_RDF,
        rdf_type=RDF_TYPE,
        labels=labels,
        page_template=_PAGE_TEMPLATE.format(x=x) if page else "",
        page_where=_PAGE_WHERE.format(x=x, labels=labels) if page else "",
    )


def _served(iri: str, triples: list[ox.Triple], settings: Settings) -> list[ox.Triple]:
    if iri == settings.dataset_iri:
        graph = reading.iri(settings.description_graph)
        own = reading.construct(
            f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {graph} {{ ?s ?p ?o }} }}"
        )
        return list(dict.fromkeys([*own, *triples]))
    if not triples:
        return []
    in_dataset = ox.Triple(
        ox.NamedNode(iri), ox.NamedNode(VOID_IN_DATASET), ox.NamedNode(settings.dataset_iri)
    )
    return [*triples, in_dataset]


@dataclasses.dataclass(frozen=True)
class Source:
    """A named graph holding facts about the resource and the source it was derived from."""

    graph: str
    source: str | None


@dataclasses.dataclass
class PageFacts:
    """What a page shows beside the RDF: sources, incoming counts and labels (one query)."""

    sources: list[Source]
    counts: list[tuple[str, int]]  # property -> how many things point by it, most first
    labels: list[tuple[str, ox.Literal]]  # labels of the graphs and sources


_PAGE_FACTS = """SELECT ?g ?source ?q ?n ?r ?l WHERE {{
  {{ SELECT DISTINCT ?g ?source WHERE {{
      GRAPH ?g {{ {x} ?_p ?_o }} OPTIONAL {{ ?g prov:wasDerivedFrom ?source }} }} }}
  UNION {{ SELECT ?q (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s ?q {x} }} GROUP BY ?q }}
  UNION {{ SELECT DISTINCT ?r ?l WHERE {{
      {{ SELECT DISTINCT ?r WHERE {{
          {{ GRAPH ?r {{ {x} ?_p1 ?_o1 }} }}
          UNION {{ GRAPH ?_g {{ {x} ?_p2 ?_o2 }} ?_g prov:wasDerivedFrom ?r }} }} }}
      ?r ?lp ?l FILTER(?lp IN ({labels}) && isLiteral(?l)) }} }}
}}"""


def page_description(iri: str, settings: Settings) -> tuple[list[ox.Triple], PageFacts]:
    """The RDF served for `iri` and the page facts beside it, in one CONSTRUCT."""
    if iri == settings.dataset_iri:
        return resource_triples(iri, settings), page_facts(iri)
    everything = reading.construct(_description_query(iri, page=True))
    triples: list[ox.Triple] = []
    graphs: set[str] = set()
    counts: list[tuple[str, int]] = []
    for t in everything:
        predicate, subject = t.predicate.value, t.subject
        if predicate == STATES and isinstance(subject, ox.NamedNode):
            graphs.add(subject.value)
        elif predicate == INCOMING_COUNT and isinstance(subject, ox.NamedNode):
            counts.append((subject.value, int(getattr(t.object, "value", 0))))
        else:
            triples.append(t)
    derived: dict[str, list[str | None]] = {g: [] for g in graphs}
    for t in triples:
        graph, source = t.subject, t.object
        if (
            t.predicate.value == WAS_DERIVED_FROM
            and isinstance(graph, ox.NamedNode)
            and graph.value in graphs
            and isinstance(source, ox.NamedNode)
        ):
            derived[graph.value].append(source.value)
    sources = [Source(g, s) for g in sorted(graphs) for s in (derived[g] or [None])]
    sources.sort(key=lambda s: (s.source is not None, s.source or "", s.graph))
    counts.sort(key=lambda c: (-c[1], c[0]))
    return _served(iri, triples, settings), PageFacts(sources, counts, [])


def page_facts(iri: str) -> PageFacts:
    """The sources of `iri`'s facts, its incoming links counted by property, and their labels.

    One round trip: the graphs stating facts about `iri` with their sources
    (`prov:wasDerivedFrom`), how many things point at it by each property, and the labels of
    the graphs and sources (the labels of everything else the page shows are in its RDF).
    """
    x = reading.iri(iri)
    labels = ", ".join(f"<{p}>" for p in LABEL_PROPERTIES)
    rows = reading.select(_PAGE_FACTS.format(x=x, labels=labels))
    sources, counts, found = [], [], []
    for row in rows:
        if "g" in row:
            sources.append(Source(row["g"].value, row["source"].value if "source" in row else None))
        elif "q" in row:
            counts.append((row["q"].value, int(row["n"].value)))
        elif "r" in row:
            found.append((row["r"].value, row["l"]))
    sources.sort(key=lambda s: (s.source is not None, s.source or "", s.graph))
    counts.sort(key=lambda c: (-c[1], c[0]))
    return PageFacts(sources, counts, found)


def incoming_pages(
    iri: str, props: list[str], page: int, size: int
) -> dict[str, list[tuple[str, list[ox.Literal]]]]:
    """One page (`size` + 1, to tell if more) of the things pointing at `iri` by each property,
    with their labels, in one query.

    No ORDER BY: sorting every incoming link of a thing that thousands point at is what made
    pages slow; the store's index order is stable for a build, so pages do not overlap.
    """
    if not props:
        return {}
    x = reading.iri(iri)
    labels = ", ".join(f"<{p}>" for p in LABEL_PROPERTIES)
    branches = " UNION ".join(
        f"{{ SELECT ?s ({reading.iri(p)} AS ?q) WHERE {{ SELECT DISTINCT ?s WHERE"
        f" {{ ?s {reading.iri(p)} {x} FILTER(isIRI(?s)) }} }}"
        f" LIMIT {size + 1} OFFSET {(page - 1) * size} }}"
        for p in props
    )
    rows = reading.select(
        f"SELECT ?q ?s ?l WHERE {{ {{ {branches} }}"
        f" OPTIONAL {{ ?s ?lp ?l FILTER(?lp IN ({labels}) && isLiteral(?l)) }} }}"
    )
    found: dict[str, dict[str, list[ox.Literal]]] = {p: {} for p in props}
    for row in rows:
        texts = found[row["q"].value].setdefault(row["s"].value, [])
        if "l" in row:
            texts.append(row["l"])
    return {p: list(things.items()) for p, things in found.items()}
