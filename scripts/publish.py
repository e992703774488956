"""Publish a built dataset into a remote SPARQL 1.1 store, one graph at a time, atomically.

Each graph is loaded into a staging graph in chunks (Graph Store Protocol when there is a Graph
Store endpoint, else SPARQL Update), its count checked, then moved into place with one `MOVE`, so
a reader never sees a half-published graph and a failure leaves the previous version in place.
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
import urllib.parse
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from typing import TypeVar

import pyoxigraph as ox

from server.remote import RemoteError, RemoteStore
from server.settings import Settings

T = TypeVar("T")
RETRY_DELAYS = (0.5, 1.0, 2.0, 4.0)


class PublishError(Exception):
    """Publishing stopped; the remote graphs that were not yet moved into place are unchanged."""


@dataclasses.dataclass(frozen=True)
class GraphCount:
    """A graph's triple count in the local build and in the remote store after publishing."""

    graph: str
    local: int
    remote: int

    @property
    def matches(self) -> bool:
        return self.local == self.remote


def default_graph_name(settings: Settings) -> str:
    """The remote graph that receives the build's default graph (a store's own stays alone)."""
    return f"{settings.base_iri}id/graph/default"


def staging_graph(graph: str) -> str:
    """The graph a new version of `graph` is loaded into before it is moved into place."""
    return "urn:ldkit:staging:" + urllib.parse.quote(graph, safe="")


def local_graphs(settings: Settings) -> dict[str, list[ox.Triple]]:
    """The triples of every graph of the build, keyed by the remote graph name."""
    store = ox.Store.read_only(str(settings.build_dir / "store"))
    try:
        names: list[ox.NamedNode | ox.DefaultGraph] = [ox.DefaultGraph()]
        names += [g for g in store.named_graphs() if isinstance(g, ox.NamedNode)]
        graphs = {}
        for name in names:
            key = name.value if isinstance(name, ox.NamedNode) else default_graph_name(settings)
            triples = [
                ox.Triple(q.subject, q.predicate, q.object)
                for q in store.quads_for_pattern(None, None, None, name)
            ]
            if triples:
                graphs[key] = triples
        return graphs
    finally:
        del store


def publish(
    remote: RemoteStore,
    graphs: dict[str, list[ox.Triple]],
    *,
    chunk_size: int = 20_000,
    advance: Callable[[int], None] = lambda _n: None,
) -> list[GraphCount]:
    """Replace each graph in the remote store, then compare every graph's count with ours."""
    for graph, triples in graphs.items():
        _publish_graph(remote, graph, triples, chunk_size, advance)
    return [GraphCount(g, len(t), _retry(partial(remote.count, g))) for g, t in graphs.items()]


def _publish_graph(
    remote: RemoteStore,
    graph: str,
    triples: Sequence[ox.Triple],
    chunk_size: int,
    advance: Callable[[int], None],
) -> None:
    staging = staging_graph(graph)
    _retry(partial(remote.update, f"DROP SILENT GRAPH <{staging}>"))
    try:
        for first, chunk in _chunks(triples, chunk_size):
            _retry(partial(_upload, remote, staging, chunk, first))
            advance(len(chunk))
        staged = _retry(partial(remote.count, staging))
        if staged != len(triples):
            raise PublishError(f"{graph}: staging holds {staged} triples, expected {len(triples)}")
        _retry(partial(remote.update, f"MOVE SILENT GRAPH <{staging}> TO GRAPH <{graph}>"))
    except (RemoteError, PublishError):
        _drop_quietly(remote, staging)
        raise


def _upload(remote: RemoteStore, graph: str, chunk: Sequence[ox.Triple], first: bool) -> None:
    body = ox.serialize(chunk, format=ox.RdfFormat.N_TRIPLES) or b""
    if remote.gsp_url:
        remote.put_graph(graph, body, "application/n-triples", replace=first)
    elif any(map(_has_blank, chunk)):
        # Virtuoso refuses blank nodes in INSERT DATA ("not allowed in a constant clause"); a
        # template with an empty WHERE makes the same fresh nodes, in every store.
        remote.update(f"INSERT {{ GRAPH <{graph}> {{\n{body.decode('utf-8')}}} }} WHERE {{}}")
    else:
        remote.update(f"INSERT DATA {{ GRAPH <{graph}> {{\n{body.decode('utf-8')}}} }}")


def _chunks(triples: Sequence[ox.Triple], size: int) -> Iterator[tuple[bool, list[ox.Triple]]]:
    """Chunks of about `size` triples; triples sharing a blank node stay in one chunk.

    A blank node's label is local to each request, so splitting its triples over two requests
    would make two nodes of it.
    """
    plain = [t for t in triples if not _has_blank(t)]
    blank = [t for t in triples if _has_blank(t)]
    groups = [plain[i : i + size] for i in range(0, len(plain), size)] + _blank_groups(blank, size)
    for index, group in enumerate(groups):
        yield index == 0, group


def _has_blank(triple: ox.Triple) -> bool:
    return isinstance(triple.subject, ox.BlankNode) or isinstance(triple.object, ox.BlankNode)


def _blank_groups(triples: list[ox.Triple], size: int) -> list[list[ox.Triple]]:
    """Pack the connected components of blank nodes into chunks of about `size` triples."""
    parent: dict[str, str] = {}

    def find(label: str) -> str:
        while parent.setdefault(label, label) != label:
            parent[label] = parent[parent[label]]
            label = parent[label]
        return label

    for triple in triples:
        labels = [t.value for t in (triple.subject, triple.object) if isinstance(t, ox.BlankNode)]
        for label in labels[1:]:
            parent[find(label)] = find(labels[0])
    components: dict[str, list[ox.Triple]] = {}
    for triple in triples:
        node = triple.subject if isinstance(triple.subject, ox.BlankNode) else triple.object
        components.setdefault(find(node.value), []).append(triple)  # type: ignore[union-attr]
    groups: list[list[ox.Triple]] = []
    for component in components.values():
        if not groups or len(groups[-1]) + len(component) > size:
            groups.append([])
        groups[-1].extend(component)
    return groups


def _retry(action: Callable[[], T]) -> T:
    """Run `action`, retrying transient remote errors with growing pauses."""
    for delay in RETRY_DELAYS:
        try:
            return action()
        except RemoteError as error:
            if not error.transient:
                raise
            time.sleep(delay)
    return action()


def _drop_quietly(remote: RemoteStore, staging: str) -> None:
    # When the store is unreachable, the staging graph is dropped by the next publish.
    with contextlib.suppress(RemoteError):
        remote.update(f"DROP SILENT GRAPH <{staging}>")
