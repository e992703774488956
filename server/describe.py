"""What a resource's RDF holds, and the facts its page shows beside it.

The RDF of a thing (one CONSTRUCT over the union of the graphs): its own triples with the blank
nodes they lead to (three levels deep), the triples that point at it (at most
`INCOMING_IN_RDF`), the types and labels of every IRI it mentions, and `void:inDataset` the
dataset. The dataset's own IRI is described by the whole VoID + DCAT graph of the build.
"""

from __future__ import annotations

import dataclasses

import pyoxigraph as ox

from server import reading
from server.labels import LABEL_PROPERTIES
from server.settings import Settings

INCOMING_IN_RDF = 1000
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
VOID_IN_DATASET = "http://rdfs.org/ns/void#inDataset"

_DESCRIPTION = """CONSTRUCT {{
  {x} ?p ?o . ?b1 ?p1 ?o1 . ?b2 ?p2 ?o2 . ?b3 ?p3 ?o3 .
  ?s ?q {x} .
  ?m ?lp ?lv .
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
  }}
}}"""


def dataset_description_graph(settings: Settings) -> str:
    """The named graph holding the build's VoID + DCAT description."""
    return f"{settings.base_iri}id/graph/dataset-description"


def ontology_graph(settings: Settings) -> str:
    """The named graph holding the ontology (ours and the labels of reused terms)."""
    return f"{settings.base_iri}id/graph/ontology"


def resource_triples(iri: str, settings: Settings) -> list[ox.Triple]:
    """The RDF served for `iri` (empty when the dataset says nothing of it)."""
    x = reading.iri(iri)
    labels = ", ".join(f"<{p}>" for p in LABEL_PROPERTIES)
    query = _DESCRIPTION.format(x=x, limit=INCOMING_IN_RDF, rdf_type=RDF_TYPE, labels=labels)
    triples = reading.construct(query)
    if iri == settings.dataset_iri:
        graph = reading.iri(dataset_description_graph(settings))
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


def sources(iri: str) -> list[Source]:
    """The graphs stating facts about `iri`, each with its source (`prov:wasDerivedFrom`)."""
    x = reading.iri(iri)
    rows = reading.select(
        f"SELECT DISTINCT ?g ?source WHERE {{ GRAPH ?g {{ {x} ?p ?o }}"
        " OPTIONAL { ?g prov:wasDerivedFrom ?source } } ORDER BY ?source ?g"
    )
    return [Source(r["g"].value, r["source"].value if "source" in r else None) for r in rows]


def incoming_counts(iri: str) -> list[tuple[str, int]]:
    """How many things point at `iri`, by property, most first."""
    x = reading.iri(iri)
    rows = reading.select(
        f"SELECT ?q (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s ?q {x} }}"
        " GROUP BY ?q ORDER BY DESC(?n) ?q"
    )
    return [(r["q"].value, int(r["n"].value)) for r in rows]


def incoming_page(iri: str, prop: str, page: int, size: int) -> list[str]:
    """The things pointing at `iri` by `prop`, one page of them (`size` + 1 to tell if more)."""
    x, q = reading.iri(iri), reading.iri(prop)
    rows = reading.select(
        f"SELECT DISTINCT ?s WHERE {{ ?s {q} {x} FILTER(isIRI(?s)) }} ORDER BY ?s"
        f" LIMIT {size + 1} OFFSET {(page - 1) * size}"
    )
    return [r["s"].value for r in rows]


def exists(iri: str) -> bool:
    """Whether the dataset says anything of `iri`, as subject or object."""
    x = reading.iri(iri)
    return reading.ask(f"ASK {{ {{ {x} ?p ?o }} UNION {{ ?s ?q {x} }} }}")
