"""Seeded generators of hostile requests over the real route table and the real IRIs (issue 15).

`Fuzzer(seed, routes, paths).request()` gives one request: a method, a target (as bytes: it may
hold what `http.client` refuses to send), headers and a body. The same seed gives the same
requests, so a failure names a seed that replays it.
"""

from __future__ import annotations

import dataclasses
import random
import re
from urllib.parse import quote

METHODS = ("GET", "GET", "GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS")
EXTENSIONS = ("", "", ".html", ".json", ".ttl", ".nt", ".rdf", ".jsonld", ".trig", ".xyz", ".")
PARAMETERS = (
    "_page",
    "_lang",
    "_format",
    "query",
    "update",
    "default-graph-uri",
    "named-graph-uri",
    "graph",
    "default",
    "q",
    "format",
    "using-graph-uri",
    "lang",  # names a page's own code also uses: never confused with its arguments
    "path",
    "page",
)
MEDIA_TYPES = (
    "text/html",
    "application/json",
    "text/turtle",
    "application/n-triples",
    "application/rdf+xml",
    "application/ld+json",
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
    "application/trig",
    "application/n-quads",
    "*/*",
    "text/*",
    "image/png",
    "application/xhtml+xml",
)
BODY_TYPES = (
    "application/sparql-query",
    "application/sparql-update",
    "application/x-www-form-urlencoded",
    "text/turtle",
    "application/n-triples",
    "application/rdf+xml",
    "application/ld+json",
    "multipart/form-data; boundary=x",
    "text/plain",
    "application/octet-stream",
    "",
)
# Cheap queries (none may run into the time limit: a 503 would be the fuzzer's doing).
QUERIES = (
    "ASK {}",
    "SELECT * WHERE { ?s ?p ?o } LIMIT 5",
    "SELECT ?s (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?s LIMIT 3",
    "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 5",
    "DESCRIBE <{iri}>",
    "SELECT ?p ?o WHERE { <{iri}> ?p ?o }",
    "PREFIX s: <https://schema.org/> SELECT ?n WHERE { ?x s:name ?n FILTER(LANG(?n) = 'fr') }",
    "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
    "CLEAR ALL",
    "LOAD <http://127.0.0.1:1/x>",
    "SELECT * WHERE { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }",
)
TURTLE = (
    "<urn:a> <urn:b> <urn:c> .",
    '@prefix s: <https://schema.org/> . <urn:a> s:name "x"@en .',
    "<urn:a> <urn:b> .",
    '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">]><r>&a;&a;</r>',
)
LANGUAGES = ("en", "fr", "de", "en-GB", "*", "fr;q=0.5, en;q=0.9", "x" * 50, "", "é", "q=zz")


@dataclasses.dataclass(frozen=True)
class FuzzRequest:
    """One request as it goes on the wire."""

    method: str
    target: bytes
    headers: tuple[tuple[str, bytes], ...]
    body: bytes

    def wire(self) -> bytes:
        """The request's bytes (HTTP/1.1, closing the connection after)."""
        lines = [self.method.encode() + b" " + self.target + b" HTTP/1.1", b"Host: 127.0.0.1"]
        lines += [name.encode() + b": " + value for name, value in self.headers]
        lines += [b"Content-Length: %d" % len(self.body), b"Connection: close"]
        return b"\r\n".join(lines) + b"\r\n\r\n" + self.body

    def sendable(self) -> bool:
        """Whether `http.client` sends it as it is (no byte it refuses in target or headers)."""
        clean = re.compile(rb"[\x21-\x7e]+")
        return bool(clean.fullmatch(self.target)) and all(
            re.fullmatch(rb"[\x20-\x7e]*", value) for _, value in self.headers
        )


class Fuzzer:
    """Requests drawn from `routes` (the app's rule strings) and `paths` (real things' paths)."""

    def __init__(self, seed: int, routes: list[str], paths: list[str], iris: list[str]) -> None:
        self.random = random.Random(seed)
        self.routes = routes
        self.paths = paths
        self.iris = iris

    def request(self) -> FuzzRequest:
        pick = self.random
        method = pick.choice(METHODS)
        target = self.path() + self.query_string()
        headers: list[tuple[str, bytes]] = []
        if pick.random() < 0.7:
            headers.append(("Accept", self.accept()))
        if pick.random() < 0.3:
            headers.append(("Accept-Language", pick.choice(LANGUAGES).encode()))
        if pick.random() < 0.1:
            headers.append(("Accept-Encoding", pick.choice((b"gzip", b"gzip;q=0", b"br, *"))))
        if pick.random() < 0.1:
            headers.append(("If-None-Match", pick.choice((b'"x"', b"*", b"W/", self.junk(8)))))
        if pick.random() < 0.1:
            headers.append(("Authorization", pick.choice((b"Bearer x", b"Basic !!", b"Bearer"))))
        body = b""
        if method in ("POST", "PUT") or pick.random() < 0.05:
            kind = pick.choice(BODY_TYPES)
            if kind:
                headers.append(("Content-Type", kind.encode()))
            body = self.body(kind)
        return FuzzRequest(method, target, tuple(headers), body)

    def path(self) -> bytes:
        """A path of the route table or of a real thing, then mangled (or not)."""
        pick = self.random
        if pick.random() < 0.5 and self.paths:
            path = pick.choice(self.paths) + pick.choice(EXTENSIONS)
        else:
            route = pick.choice(self.routes)
            path = re.sub(r"<[^>]*>", lambda _: self.segment(), route)
        encoded = quote(path, safe="/:@!$&'()*+,;=-._~%")
        return self.mangle(encoded.encode())

    def segment(self) -> str:
        pick = self.random
        return pick.choice(
            (
                "schema:Event",
                "prov:Entity",
                "dataset.ttl.gz",
                "organisation/iom",
                "1.0",
                "ttl",
                "x" * pick.randint(1, 400),
                "".join(chr(pick.randint(0x20, 0x2FFF)) for _ in range(pick.randint(1, 12))),
                "..",
                "",
            )
        )

    def mangle(self, path: bytes) -> bytes:
        """Random escapes, raw bytes, cuts and doublings, a few at a time."""
        pick = self.random
        data = bytearray(path)
        for _ in range(pick.choice((0, 0, 0, 0, 0, 1, 1, 2))):
            at = pick.randint(1, max(1, len(data)))
            choice = pick.random()
            if choice < 0.4:
                insert = b"%%%02X" % pick.randint(0, 255)
            elif choice < 0.55:
                insert = pick.choice((b"%", b"%z", b"%zz", b"%c0%ae", b"%ed%a0%80", b"%F0%9F%98"))
            elif choice < 0.7:
                insert = bytes([pick.randint(0, 255)])
            elif choice < 0.8:
                insert = b"/" * pick.randint(1, 3) + pick.choice((b"..", b".", b"", b"-"))
            elif choice < 0.9:
                del data[at:]
                continue
            else:
                insert = b"a" * pick.randint(200, 3000)
            data[at:at] = insert
        return bytes(data) or b"/"

    def query_string(self) -> bytes:
        pick = self.random
        if pick.random() < 0.4:
            return b""
        pairs = []
        for _ in range(pick.randint(1, 4)):
            name = (
                pick.choice(PARAMETERS) if pick.random() < 0.9 else self.junk(4).decode("latin-1")
            )
            pairs.append(quote(name, safe="") + "=" + quote(self.value(name), safe=""))
        text = "?" + "&".join(pairs)
        return self.mangle(text.encode()) if pick.random() < 0.2 else text.encode()

    def value(self, name: str) -> str:
        pick = self.random
        if name in ("query", "update") and pick.random() < 0.8:
            return self.query()
        if name in ("graph", "default-graph-uri", "named-graph-uri") and self.iris:
            return pick.choice((*self.iris[:20], "", "urn:x", "not an iri", "<>"))
        if name == "_page":
            return pick.choice(("1", "2", "0", "-1", "zz", "9" * 30, "1.5", " 2", "١"))
        if name in ("_format", "format"):
            return pick.choice(("json", "html", "ttl", "zz", "", "text/csv", *MEDIA_TYPES))
        if name == "_lang":
            return pick.choice(LANGUAGES)
        if pick.random() < 0.3:
            return self.junk(pick.randint(0, 20)).decode("latin-1")
        return pick.choice(("x", "casablanca", "iom", "1", "", "true", "a b", "é", "日本"))

    def query(self) -> str:
        pick = self.random
        text = pick.choice(QUERIES)
        if self.iris:
            text = text.replace("{iri}", pick.choice(self.iris))
        for _ in range(pick.choice((0, 0, 1, 2))):
            at = pick.randint(0, len(text))
            if pick.random() < 0.5:
                text = text[:at] + text[at + 1 :]
            else:
                text = text[:at] + pick.choice("{}()<>?\"'\\#.;,\x00\n") + text[at:]
        return text

    def accept(self) -> bytes:
        pick = self.random
        if pick.random() < 0.05:
            return self.junk(pick.randint(1, 30))
        types = pick.sample(MEDIA_TYPES, pick.randint(1, 3))
        return ", ".join(f"{t};q={pick.choice(('1', '0.5', '0', 'x'))}" for t in types).encode()

    def body(self, kind: str) -> bytes:
        pick = self.random
        choice = pick.random()
        if choice < 0.15:
            return self.junk(pick.randint(0, 300))
        if "urlencoded" in kind:
            field = pick.choice(("query", "update", "x", "using-graph-uri"))
            return f"{field}={quote(self.query())}".encode()
        if "sparql" in kind or choice < 0.5:
            return self.query().encode("utf-8", "surrogatepass")
        return pick.choice(TURTLE).encode()

    def junk(self, size: int) -> bytes:
        """Random bytes that keep the request line parseable (no CR, LF or space)."""
        return bytes(self.random.choice(JUNK_BYTES) for _ in range(size))


JUNK_BYTES = [b for b in range(256) if b not in b"\r\n "]
