"""The SPARQL endpoint: the Protocol, the Graph Store, the service description, the query page."""
