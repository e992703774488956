"""Releases of a dataset's ontology and shapes: the semantic diff, snapshots, version bumps."""
