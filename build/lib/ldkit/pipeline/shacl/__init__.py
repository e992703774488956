"""A SHACL validation engine on pyoxigraph: shapes compiled to SPARQL, pySHACL as the reference.

`compile.py` turns each shape with targets into SPARQL SELECT queries that return the violating
(focus node, value) rows; `engine.py` runs them on a pyoxigraph store holding data + ontology and
builds SHACL validation results with the fields pySHACL gives. A shape the compiler cannot
translate exactly (see `compile.Unsupported`) is validated by pySHACL instead, shape by shape.
"""

from ldkit.pipeline.shacl.engine import EngineReport, validate

__all__ = ["EngineReport", "validate"]
