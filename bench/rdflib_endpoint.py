"""The baseline of `bench/sparql_load.py`: a naive Flask SPARQL endpoint over rdflib.

What a plain Python endpoint does: the data in memory, `query` per request. The files come from
the environment variable BENCH_FILES (paths separated by the OS path separator; N-Triples,
N-Quads or Turtle, by extension). Quads go to their named graphs and queries see the union of all
graphs as their default graph, as on the ldkit endpoint.
"""

from __future__ import annotations

import os

from flask import Flask, Response, request
from rdflib import Dataset

FORMATS = {".nt": "nt", ".nq": "nquads", ".ttl": "turtle", ".trig": "trig"}

dataset = Dataset(default_union=True)
for name in os.environ["BENCH_FILES"].split(os.pathsep):
    dataset.parse(name, format=FORMATS[os.path.splitext(name)[1]])
app = Flask(__name__)


@app.route("/sparql")
def sparql() -> Response:
    """Answer a query: results as SPARQL JSON, graphs as Turtle."""
    result = dataset.query(request.args["query"])
    if result.type in ("CONSTRUCT", "DESCRIBE"):
        return Response(result.serialize(format="turtle"), content_type="text/turtle")
    return Response(result.serialize(format="json"), content_type="application/sparql-results+json")
