"""Publish a built dataset into a remote SPARQL 1.1 store, atomically.

Each graph is loaded into a staging graph in chunks (Graph Store Protocol when there is a Graph
Store endpoint, else SPARQL Update, several small graphs per request), the staging counts are
checked, then every graph is moved into place by one update request of `MOVE`s, so a reader never
sees a half-published dataset and a failure leaves the previous version in place.
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

from ldkit.server.settings import Settings
from ldkit.server.stores.http_client import RemoteError, StoreClient

T = TypeVar("T")
RETRY_DELAYS = (0.5, 1.0, 2.0, 4.0)
# Graphs per SPARQL Update upload: Virtuoso compiles each GRAPH block to SQL and refuses a
# request past 10,000 lines of it (24 small graphs failed, 12 passed).
GRAPHS_PER_REQUEST = 8


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
            key = name.value if isinstance(name, ox.NamedNode) else settings.default_graph
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
    remote: StoreClient,
    graphs: dict[str, list[ox.Triple]],
    *,
    chunk_size: int = 20_000,
    advance: Callable[[int], None] = lambda _n: None,
) -> list[GraphCount]:
    """Replace the dataset's graphs in the remote store, then compare each graph's count.

    Every graph is loaded into its staging graph first; only when all of them hold what they
    should are they moved into place, all in one update request (one transaction where the store
    runs a request as one).
    """
    staging = {graph: staging_graph(graph) for graph in graphs}
    _retry(partial(_update_all, remote, [f"DROP SILENT GRAPH <{s}>" for s in staging.values()]))
    try:
        for batch in _requests(graphs, staging, chunk_size, per_graph=bool(remote.gsp_url)):
            _retry(partial(_upload, remote, batch))
            advance(sum(len(chunk) for _graph, _first, chunk in batch))
        staged = _retry(partial(remote.counts, list(staging.values())))
        wrong = [g for g, t in graphs.items() if staged.get(staging[g], 0) != len(t)]
        if wrong:
            held = staged.get(staging[wrong[0]], 0)
            raise PublishError(
                f"{wrong[0]}: staging holds {held} triples, expected {len(graphs[wrong[0]])}"
                + (f" (and {len(wrong) - 1} more graphs differ)" if len(wrong) > 1 else "")
            )
        # Not retried: a MOVE whose answer was lost may have happened; the counts below tell.
        remote.update(
            " ;\n".join(f"MOVE SILENT GRAPH <{s}> TO GRAPH <{g}>" for g, s in staging.items())
        )
    except (RemoteError, PublishError):
        _drop_quietly(remote, list(staging.values()))
        raise
    counts = _retry(partial(remote.counts, list(graphs)))
    return [GraphCount(g, len(t), counts.get(g, 0)) for g, t in graphs.items()]


Upload = list[tuple[str, bool, list[ox.Triple]]]  # (staging graph, first chunk?, triples)


def _requests(
    graphs: dict[str, list[ox.Triple]], staging: dict[str, str], size: int, per_graph: bool
) -> Iterator[Upload]:
    """The upload requests: chunks of each graph, several small graphs per SPARQL Update.

    The Graph Store Protocol names one graph per request, so then each chunk is a request.
    """
    batch: Upload = []
    for graph, triples in graphs.items():
        for first, chunk in _chunks(triples, size):
            full = per_graph or len(batch) >= GRAPHS_PER_REQUEST
            if batch and (full or sum(len(c) for _g, _f, c in batch) + len(chunk) > size):
                yield batch
                batch = []
            batch.append((staging[graph], first, chunk))
    if batch:
        yield batch


def _upload(remote: StoreClient, batch: Upload) -> None:
    if remote.gsp_url:
        for graph, first, chunk in batch:
            body = ox.serialize(chunk, format=ox.RdfFormat.N_TRIPLES) or b""
            remote.put_graph(graph, body, "application/n-triples", replace=first)
        return
    blocks = "\n".join(f"GRAPH <{graph}> {{\n{_n_triples(chunk)}}}" for graph, _f, chunk in batch)
    if any(_has_blank(t) for _g, _f, chunk in batch for t in chunk):
        # Virtuoso refuses blank nodes in INSERT DATA ("not allowed in a constant clause"); a
        # template with an empty WHERE makes the same fresh nodes, in every store.
        remote.update(f"INSERT {{ {blocks} }} WHERE {{}}")
    else:
        remote.update(f"INSERT DATA {{ {blocks} }}")


def _n_triples(chunk: Sequence[ox.Triple]) -> str:
    return (ox.serialize(chunk, format=ox.RdfFormat.N_TRIPLES) or b"").decode("utf-8")


def _update_all(remote: StoreClient, operations: list[str], batch: int = 500) -> None:
    for start in range(0, len(operations), batch):
        remote.update(" ;\n".join(operations[start : start + batch]))


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


def _drop_quietly(remote: StoreClient, staging: list[str]) -> None:
    # When the store is unreachable, the staging graphs are dropped by the next publish.
    with contextlib.suppress(RemoteError):
        _update_all(remote, [f"DROP SILENT GRAPH <{s}>" for s in staging])
