"""The ldkit web app: SPARQL endpoint, resource pages and dataset metadata."""
