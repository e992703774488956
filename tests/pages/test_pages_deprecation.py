"""A deprecated or renamed term is marked on the ontology page, in HTML, JSON and RDF, with its
replacement; its IRI still answers (issue 11)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL

from ldkit.pipeline.build import build_folder
from ldkit.server.settings import load_settings
from tests.helpers.support import run_cli

CM = "https://w3id.org/climate-mobility/ontology#"
OLD, NEW = URIRef(CM + "serves"), URIRef(CM + "supports")


@pytest.fixture
def renamed(dataset_copy: Path, app_client: Callable[..., FlaskClient]) -> FlaskClient:
    assert run_cli(dataset_copy, "rename", "cm:serves", "cm:supports").exit_code == 0
    settings = load_settings(dataset_copy, out=dataset_copy / "dist")
    build_folder(settings)
    return app_client(settings)


def test_the_old_term_is_marked_deprecated_with_a_link_to_its_replacement(
    renamed: FlaskClient,
) -> None:
    old, new = "serves", "supports"  # the IRIs' fragments: followed, an IRI lands on its section
    page = renamed.get("/ontology.html?_lang=en").get_data(as_text=True)
    section = page.split(f'id="{old}"', 1)[1].split("</section>", 1)[0]
    assert "Deprecated" in section and "replaced by" in section
    assert f"#{new}" in section, section
    assert f'href="#{old}" class="deprecated"' in page  # struck through in the contents
    french = renamed.get("/ontology.html?_lang=fr").get_data(as_text=True)
    assert "Obsolète" in french.split(f'id="{old}"', 1)[1].split("</section>", 1)[0]


def test_the_json_twin_and_the_rdf_say_it_too(renamed: FlaskClient) -> None:
    terms = {t["iri"]: t for t in renamed.get("/ontology.json").get_json()["terms"]}
    assert terms[str(OLD)]["deprecated"] is True
    assert terms[str(OLD)]["replaced_by"] == [str(NEW)]
    assert terms[str(NEW)]["deprecated"] is False
    graph = Graph().parse(data=renamed.get("/ontology.ttl").data, format="turtle")
    assert graph.value(OLD, OWL.deprecated) == Literal(True)
    assert graph.value(OLD, DCTERMS.isReplacedBy) == NEW


def test_the_old_iri_still_answers(renamed: FlaskClient) -> None:
    response = renamed.get("/ontology", headers={"Accept": "text/html"})
    assert response.status_code == 303  # the hash IRI's document: the page above
