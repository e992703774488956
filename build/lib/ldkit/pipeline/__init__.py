"""The ldkit pipeline (read, validate, build, publish, link) and its command line."""
