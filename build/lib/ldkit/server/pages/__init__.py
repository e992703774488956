"""The linked-data pages: the 303 recipe, resource, listing, ontology, dataset pages."""
