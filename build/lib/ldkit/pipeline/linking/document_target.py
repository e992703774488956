"""Ask a target that publishes per-concept RDF (UNBIS, SDG KOS, GeoNames) by content negotiation.

The concept's IRI is fetched with an `Accept` header for RDF; `base` (from `--endpoint`) replaces
the target's namespace so a local server can stand in for the real one. A 404 or 410 means the
concept is missing; any other failure is a `LinkError`.
"""

from __future__ import annotations

import datetime as dt
import http.client
import urllib.error
import urllib.request

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL

from ldkit.pipeline.linking.sparql_target import AGENT
from ldkit.pipeline.linking.targets import LANGUAGES, LinkError, Target, TargetRecord
from ldkit.server.formats import RDF_FORMATS, by_key

ACCEPT = "text/turtle, application/rdf+xml;q=0.9, application/n-triples;q=0.8"
GONE = (404, 410)


def describe_concept(target: Target, base: str, iri: str) -> TargetRecord:
    """What the target's document for `iri` says: found or not, labels, types, replacement."""
    url = base + iri.removeprefix(target.namespace)
    today = dt.date.today()
    fetched = fetch_rdf(url)
    if fetched is None:
        return TargetRecord(iri, False, frozenset(), frozenset(), None, today, url)
    subject = URIRef(iri)
    labels = {
        (obj.language or "", str(obj))
        for predicate in target.label_predicates
        for obj in fetched.objects(subject, predicate)
        if isinstance(obj, Literal) and (obj.language or "") in ("", *LANGUAGES)
    }
    types = {str(obj) for obj in fetched.objects(subject, target.type_predicate)}
    replaced = [
        str(obj)
        for predicate in (OWL.sameAs, DCTERMS.isReplacedBy)
        for obj in fetched.objects(subject, predicate)
        if str(obj) != iri and str(obj).startswith(target.namespace)
    ]
    found = (subject, None, None) in fetched
    redirect = replaced[0] if replaced else None
    return TargetRecord(iri, found, frozenset(labels), frozenset(types), redirect, today, url)


def fetch_rdf(url: str) -> Graph | None:
    """The RDF document at `url`, negotiated; None when the server says it does not exist."""
    request = urllib.request.Request(url, headers={"Accept": ACCEPT, "User-Agent": AGENT})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            media_type = response.headers.get_content_type()
            body = response.read()
    except urllib.error.HTTPError as error:
        error.close()
        if error.code in GONE:
            return None
        raise LinkError(f"cannot fetch {url}: HTTP {error.code} {error.reason}") from None
    except (urllib.error.URLError, http.client.HTTPException, OSError) as error:
        reason = getattr(error, "reason", error)
        raise LinkError(f"cannot fetch {url}: {reason}") from None
    fmt = by_key(media_type, RDF_FORMATS)
    if fmt is None or fmt.rdflib is None:
        raise LinkError(f"cannot read {url}: {media_type} is not an RDF format ldkit reads")
    try:
        return Graph().parse(data=body, format=fmt.rdflib, publicID=url)
    except Exception as error:  # rdflib's parsers raise many kinds of errors
        raise LinkError(f"cannot read {url}: {error}") from None
