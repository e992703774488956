"""SHACL paths as SPARQL property paths, and the focus nodes of a shape."""

from __future__ import annotations

from rdflib import BNode, URIRef
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from ldkit.pipeline.shacl.shapes import (
    _TYPE_OF,
    Focus,
    ShapesReader,
    Unsupported,
    _implicit_class,
    short,
    term_sparql,
)


class Paths(ShapesReader):
    """Paths and focus nodes."""

    def path_sparql(self, path: Node) -> str:
        """A SHACL path as a SPARQL property path."""
        if isinstance(path, URIRef):
            return term_sparql(path)
        if not isinstance(path, BNode):
            raise Unsupported(f"a path that is not an IRI or a blank node: {path!r}")
        if (path, RDF.first, None) in self.g:
            items = self._list(path)
            if len(items) < 2:
                raise Unsupported("a sequence path of fewer than two members")
            return "(" + "/".join(self.path_sparql(i) for i in items) + ")"
        described = [(p, o) for p, o in self.g.predicate_objects(path)]
        if len(described) != 1:
            raise Unsupported("a complex path node with other than one property")
        predicate, inner = described[0]
        if predicate == SH.inversePath:
            return f"^({self.path_sparql(inner)})"
        if predicate == SH.alternativePath:
            items = self._list(inner)
            if len(items) < 2:
                raise Unsupported("an alternative path of fewer than two members")
            return "(" + "|".join(self.path_sparql(i) for i in items) + ")"
        suffix: dict[Node, str] = {
            SH.zeroOrMorePath: "*",
            SH.oneOrMorePath: "+",
            SH.zeroOrOnePath: "?",
        }
        if predicate in suffix:
            return f"({self.path_sparql(inner)}){suffix[predicate]}"
        raise Unsupported(f"path {short(predicate)}")

    # --- focus nodes -----------------------------------------------------------------------------

    def target_focus(self, shape: Node) -> Focus:
        classes = sorted(set(self.g.objects(shape, SH.targetClass)), key=str)  # type: ignore[arg-type]
        if _implicit_class(self.g, shape):
            classes.append(shape)
        nodes = sorted(set(self.g.objects(shape, SH.targetNode)), key=str)  # type: ignore[arg-type]
        subjects_of = sorted(set(self.g.objects(shape, SH.targetSubjectsOf)), key=str)  # type: ignore[arg-type]
        objects_of = sorted(set(self.g.objects(shape, SH.targetObjectsOf)), key=str)  # type: ignore[arg-type]
        if any(self.g.objects(shape, SH.target)):  # type: ignore[arg-type]
            raise Unsupported("sh:target (SHACL-AF custom target)")
        for term in (*classes, *subjects_of, *objects_of):
            if not isinstance(term, URIRef):
                raise Unsupported("a target that is not an IRI")
        node_text = " ".join(term_sparql(n) for n in nodes)
        cls = self.fresh()
        cls_text = " ".join(term_sparql(c) for c in classes)
        subj_text = " ".join(term_sparql(p) for p in subjects_of)
        obj_text = " ".join(term_sparql(p) for p in objects_of)
        pred = self.fresh()

        def focus(v: str) -> str:
            branches = []
            if classes:
                branches.append(f"VALUES {cls} {{ {cls_text} }} {v} {_TYPE_OF} {cls} .")
            if nodes:
                branches.append(f"VALUES {v} {{ {node_text} }}")
            if subjects_of:
                branches.append(f"VALUES {pred} {{ {subj_text} }} {v} {pred} [] .")
            if objects_of:
                branches.append(f"VALUES {pred} {{ {obj_text} }} [] {pred} {v} .")
            if not branches:
                return "FILTER (false)"
            union = " UNION ".join("{ " + b + " }" for b in branches)
            return f"{{ SELECT DISTINCT {v} WHERE {{ {union} }} }}"

        return focus

    def values_focus(self, focus: Focus, path: str) -> Focus:
        """The value nodes of a path from the focus nodes, as new focus nodes."""
        this = self.fresh()

        def values(v: str) -> str:
            return f"{{ SELECT DISTINCT {v} WHERE {{ {focus(this)} {this} {path} {v} . }} }}"

        return values
