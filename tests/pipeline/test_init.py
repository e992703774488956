"""`ldkit init`: a new dataset folder that validates, answers its question and is served."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from ldkit.server.settings import load_settings
from tests.helpers.support import folder_digest, run_cli

BASE = "https://w3id.org/reef-watch/"


def _init(where: Path, *options: str):  # type: ignore[no-untyped-def]
    return run_cli(where.parent, "init", str(where), "--base-iri", BASE, *options)


def test_a_new_folder_validates_without_a_finding_and_answers_its_question(tmp_path: Path) -> None:
    folder = tmp_path / "reef-watch"
    made = _init(folder)
    assert made.exit_code == 0, made.output
    assert "wrote ontology/reef-watch.ttl" in made.stderr
    validated = run_cli(folder, "validate", "--fail-on", "info")
    assert validated.exit_code == 0, validated.output
    assert "0 error(s), 0 warning(s), 0 info" in validated.output
    asked = run_cli(folder, "questions")
    assert asked.exit_code == 0, asked.output
    assert run_cli(folder, "release", "0.2.0").exit_code == 0  # and its ontology can be released


def test_a_new_folder_is_served_with_its_pages(
    tmp_path: Path, app_client: Callable[..., FlaskClient]
) -> None:
    folder = tmp_path / "reef-watch"
    assert _init(folder, "--title", "Reef watch", "--prefix", "reef").exit_code == 0
    assert run_cli(folder, "build").exit_code == 0
    client = app_client(load_settings(folder))
    thing = client.get("/id/item/first", headers={"Accept": "text/html"})
    assert thing.status_code == 303 and thing.location == "/id/item/first.html"
    page = client.get("/id/item/first.html?_lang=fr").get_data(as_text=True)
    assert "Premier élément" in page and "élément" in page
    home = client.get("/?_lang=en").get_data(as_text=True)
    assert "Reef watch" in home
    assert ">CC BY 4.0</a>" in home  # the licence by the name ldkit ships, not "4.0"
    assert 'class="lead"' not in home  # no description yet: no lead saying the name again
    ontology = client.get("/ontology.ttl").get_data(as_text=True)
    assert "reef:Item" in ontology
    # the dataset's own prefix, not ldkit's first dataset's: in its documents and class pages
    document = client.get("/id/item/first.ttl").get_data(as_text=True)
    assert "@prefix reef: <https://w3id.org/reef-watch/ontology#> ." in document
    assert "a reef:Item" in document and "undo:" not in document and "sd:" not in document
    assert 'href="/-/classes/reef:Item' in page
    listing = client.get("/-/classes/reef:Item?_lang=en").get_data(as_text=True)
    assert "<p>1 thing ·" in listing  # was "1 things"
    assert "Publié avec ldkit." in page  # the French page's footer is French too


def test_the_documentation_says_when_it_documents_no_release(
    tmp_path: Path, app_client: Callable[..., FlaskClient]
) -> None:
    """init writes version 0.1.0 in the header: the page cited it as if it were released."""
    folder = tmp_path / "reef"
    assert _init(folder).exit_code == 0

    def banner() -> str:
        assert run_cli(folder, "build").exit_code == 0
        page = (
            app_client(load_settings(folder)).get("/ontology.html?_lang=en").get_data(as_text=True)
        )
        start = page.find('id="unreleased">')
        return page[start + 16 : page.index("</p>", start)] if start >= 0 else ""

    assert banner().startswith("Not released yet: this documents the working tree")
    assert run_cli(folder, "release", "0.1.0").exit_code == 0
    assert banner() == ""
    ontology = folder / "ontology" / "reef.ttl"
    text = ontology.read_text(encoding="utf-8")
    ontology.write_text(
        text.replace('rdfs:label "item"@en', 'rdfs:label "reef"@en'), encoding="utf-8"
    )
    assert banner().startswith("Unreleased changes since 0.1.0")


def test_other_languages_are_the_settings_and_every_label(tmp_path: Path) -> None:
    folder = tmp_path / "riff"
    assert _init(folder, "--languages", "de,en").exit_code == 0
    settings = load_settings(folder)
    assert settings.languages == ("de", "en")
    assert '"First item"@de' in (folder / "data" / "riff.trig").read_text(encoding="utf-8")
    assert run_cli(folder, "validate", "--fail-on", "warning").exit_code == 0


@pytest.mark.parametrize(
    ("options", "says"),
    [
        (["--base-iri", "w3id.org/reef"], "--base-iri 'w3id.org/reef': an http(s) IRI ending"),
        (["--base-iri", "https://w3id.org/reef"], "an http(s) IRI ending with '/'"),
        (["--base-iri", "https://w3id.org/reef#"], "an http(s) IRI ending with '/'"),  # #ontology#
        (["--base-iri", BASE, "--name", "Reef Watch"], "--name 'Reef Watch': a slug"),
        (["--base-iri", BASE, "--prefix", "1x"], "--prefix '1x'"),
        (["--base-iri", BASE, "--languages", "english"], "--languages: not language tags: english"),
    ],
)
def test_a_folder_that_would_not_work_is_refused(
    tmp_path: Path, options: list[str], says: str
) -> None:
    result = run_cli(tmp_path, "init", str(tmp_path / "reef"), *options)
    assert result.exit_code == 2
    assert says in result.stderr and "Traceback" not in result.output
    assert not (tmp_path / "reef").exists()


def test_a_folder_named_otherwise_than_a_slug_is_given_one_to_use(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "init", str(tmp_path / "My Reef Data"), "--base-iri", BASE)
    assert result.exit_code == 2
    assert "the folder's name 'My Reef Data' is not a slug" in result.stderr
    assert "--name my-reef-data" in result.stderr
    named = run_cli(
        tmp_path,
        "init",
        str(tmp_path / "My Reef Data"),
        "--base-iri",
        BASE,
        "--name",
        "my-reef-data",
    )
    assert named.exit_code == 0, named.output
    assert f"ldkit --root '{tmp_path / 'My Reef Data'}' serve" in named.stderr  # pasted as is


def test_languages_are_tags_once_each_and_a_name_from_digits_gets_a_letter_prefix(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "2reef"
    assert _init(folder, "--languages", "EN,en,pt-BR").exit_code == 0
    assert load_settings(folder).languages == ("en", "pt-br")
    assert "@prefix r: <" in (folder / "ontology" / "2reef.ttl").read_text(encoding="utf-8")
    assert run_cli(folder, "validate", "--fail-on", "warning").exit_code == 0


def test_a_folder_with_files_is_left_alone(tmp_path: Path) -> None:
    folder = tmp_path / "reef"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")
    before = folder_digest(folder)
    result = _init(folder)
    assert result.exit_code == 2 and "is not empty" in result.stderr
    assert folder_digest(folder) == before
