"""The words of the pages in each language the interface speaks (English, French)."""

from __future__ import annotations

from typing import Any

MESSAGES: dict[str, dict[str, str]] = {
    "home": {"en": "Home", "fr": "Accueil"},
    "search": {"en": "Search", "fr": "Rechercher"},
    "search_label": {"en": "Search labels", "fr": "Rechercher dans les libellés"},
    "ontology": {"en": "Ontology", "fr": "Ontologie"},
    "timeline": {"en": "Timeline", "fr": "Chronologie"},
    "organisations": {"en": "Organisations", "fr": "Organisations"},
    "dataset": {"en": "Dataset", "fr": "Jeu de données"},
    "language": {"en": "Language", "fr": "Langue"},
    "types": {"en": "Types", "fr": "Types"},
    "properties": {"en": "Properties", "fr": "Propriétés"},
    "referenced_by": {"en": "Referenced by", "fr": "Cité par"},
    "sources": {"en": "Sources of its facts", "fr": "Sources de ses faits"},
    "elsewhere": {"en": "Elsewhere", "fr": "Ailleurs"},
    "formats": {"en": "This page as data", "fr": "Cette page en données"},
    "no_results": {"en": "Nothing found.", "fr": "Aucun résultat."},
    "results_for": {"en": "Results for", "fr": "Résultats pour"},
    "not_found": {"en": "Not found", "fr": "Introuvable"},
    "not_found_text": {
        "en": "This dataset has nothing about this address. Try a search:",
        "fr": "Ce jeu de données ne dit rien de cette adresse. Essayez une recherche :",
    },
    "classes": {"en": "What it holds", "fr": "Ce qu'il contient"},
    "featured": {"en": "Featured", "fr": "À la une"},
    "licence": {"en": "Licence", "fr": "Licence"},
    "instances": {"en": "Instances", "fr": "Instances"},
    "instance": {"en": "Instance", "fr": "Instance"},
    "next": {"en": "Next page", "fr": "Page suivante"},
    "previous": {"en": "Previous page", "fr": "Page précédente"},
    "page": {"en": "Page", "fr": "Page"},
    "things": {"en": "things", "fr": "choses"},
    "things_one": {"en": "thing", "fr": "chose"},
    "published_with": {"en": "Published with ldkit.", "fr": "Publié avec ldkit."},
    "more": {"en": "more", "fr": "de plus"},
    "via": {"en": "in graph", "fr": "dans le graphe"},
    "definition": {"en": "Definition", "fr": "Définition"},
    "deprecated": {"en": "Deprecated", "fr": "Obsolète"},
    "replaced_by": {"en": "replaced by", "fr": "remplacé par"},
    "domain": {"en": "Domain", "fr": "Domaine"},
    "range": {"en": "Range", "fr": "Codomaine"},
    "constraints": {"en": "Constraints (SHACL)", "fr": "Contraintes (SHACL)"},
    "used_by": {"en": "Used by", "fr": "Utilisé par"},
    "used": {"en": "Used in", "fr": "Utilisé dans"},
    "triples": {"en": "triples", "fr": "triplets"},
    "triple": {"en": "triple", "fr": "triplet"},
    "ontology_classes": {"en": "Classes", "fr": "Classes"},
    "ontology_properties": {"en": "Properties", "fr": "Propriétés"},
    "downloads": {"en": "Downloads", "fr": "Téléchargements"},
    "query": {"en": "Query it with SPARQL", "fr": "L'interroger en SPARQL"},
    "description": {"en": "Description (VoID, DCAT)", "fr": "Description (VoID, DCAT)"},
    "timeline_title": {"en": "Timeline of the events", "fr": "Chronologie des événements"},
    "diagram_title": {
        "en": "How the organisations and bodies relate",
        "fr": "Liens entre organisations et organes",
    },
    "unit_of": {"en": "is part of", "fr": "fait partie de"},
    "skip": {"en": "Skip to content", "fr": "Aller au contenu"},
    # the shapes
    "shapes": {"en": "Shapes", "fr": "Formes"},
    "shapes_title": {"en": "SHACL shapes of the data", "fr": "Formes SHACL des données"},
    "shapes_intro": {
        "en": "What the data must conform to: every shape, by what it targets.",
        "fr": "Ce à quoi les données doivent se conformer : chaque forme, selon sa cible.",
    },
    "must_have": {"en": "What an instance must have", "fr": "Ce qu'une instance doit avoir"},
    "severity_violation": {"en": "Violation", "fr": "Violation"},
    "severity_warning": {"en": "Warning", "fr": "Avertissement"},
    "severity_info": {"en": "Info", "fr": "Information"},
    "target_class": {"en": "instances of", "fr": "instances de"},
    "target_implicit": {
        "en": "instances of (the shape is the class)",
        "fr": "instances de (la forme est la classe)",
    },
    "target_subjectsOf": {"en": "things with the property", "fr": "choses ayant la propriété"},
    "target_objectsOf": {"en": "values of the property", "fr": "valeurs de la propriété"},
    "target_node": {"en": "the node", "fr": "le nœud"},
    "targets": {"en": "Targets", "fr": "Cibles"},
    "inherited_from": {"en": "Inherited from", "fr": "Hérité de"},
    "things_with": {
        "en": "Things with property {p} must",
        "fr": "Les choses ayant la propriété {p} doivent",
    },
    "things_valued": {
        "en": "Values of property {p} must",
        "fr": "Les valeurs de la propriété {p} doivent",
    },
    "every_instance": {"en": "Every instance of {c}", "fr": "Toute instance de {c}"},
    "the_thing": {"en": "the thing itself", "fr": "la chose elle-même"},
    "used_by_others": {
        "en": "Shapes other shapes use",
        "fr": "Formes utilisées par d'autres formes",
    },
    "deactivated": {"en": "deactivated", "fr": "désactivée"},
    "prefixes": {"en": "Prefixes", "fr": "Préfixes"},
    # the pictures
    "as_list": {"en": "The same, as a list", "fr": "La même chose, en liste"},
    "as_table": {"en": "The same, as a table", "fr": "La même chose, en tableau"},
    "no_events": {"en": "No dated event.", "fr": "Aucun événement daté."},
    "no_organisations": {"en": "No organisation.", "fr": "Aucune organisation."},
    "approximate": {"en": "month or year only", "fr": "mois ou année seulement"},
    "from": {"en": "Organisation", "fr": "Organisation"},
    "relation": {"en": "Relation", "fr": "Relation"},
    "to": {"en": "Related to", "fr": "Liée à"},
    "alone": {"en": "Without a relation here", "fr": "Sans relation ici"},
    "cut": {
        "en": "Only the first {n} are shown.",
        "fr": "Seuls les {n} premiers sont montrés.",
    },
    "timeline_summary": {
        "en": "{n} events from {first} to {last}, one a row, in date order.",
        "fr": "{n} événements du {first} au {last}, un par ligne, par ordre de date.",
    },
    "timeline_summary_one": {"en": "1 event, on {first}.", "fr": "1 événement, le {first}."},
    "diagram_summary": {
        "en": "{n} organisations and bodies, {m} relations; arrows go from parts to wholes.",
        "fr": "{n} organisations et organes, {m} relations ; les flèches vont des parties au tout.",
    },
    # the ontology's documentation
    "subclass_of": {"en": "subclass of", "fr": "sous-classe de"},
    "doc_version": {"en": "Version", "fr": "Version"},
    "doc_version_iri": {"en": "This version", "fr": "Cette version"},
    "doc_prior": {"en": "Previous version", "fr": "Version précédente"},
    "doc_issued": {"en": "Issued", "fr": "Publiée le"},
    "doc_created": {"en": "Created", "fr": "Créée le"},
    "doc_modified": {"en": "Modified", "fr": "Modifiée le"},
    "doc_creators": {"en": "Creators", "fr": "Auteurs"},
    "doc_cite": {"en": "Cite as", "fr": "Citer ainsi"},
    "doc_prefix": {"en": "Preferred prefix", "fr": "Préfixe préféré"},
    "doc_namespace": {"en": "Namespace", "fr": "Espace de noms"},
    "doc_namespaces": {"en": "Namespaces", "fr": "Espaces de noms"},
    "doc_class": {"en": "Classes", "fr": "Classes"},
    "doc_object": {"en": "Object properties", "fr": "Propriétés d'objet"},
    "doc_datatype": {"en": "Datatype properties", "fr": "Propriétés de données"},
    "doc_annotation": {"en": "Annotation properties", "fr": "Propriétés d'annotation"},
    "doc_property": {"en": "Other properties", "fr": "Autres propriétés"},
    "doc_reused": {"en": "Reused terms", "fr": "Termes réutilisés"},
    "doc_reused_lead": {
        "en": "Terms of other vocabularies that the data uses, as this ontology labels them.",
        "fr": "Les termes d'autres vocabulaires que les données emploient,"
        " tels que cette ontologie les nomme.",
    },
    "doc_super_class": {"en": "Subclass of", "fr": "Sous-classe de"},
    "doc_sub_class": {"en": "Superclass of", "fr": "Superclasse de"},
    "doc_super_property": {"en": "Subproperty of", "fr": "Sous-propriété de"},
    "doc_sub_property": {"en": "Superproperty of", "fr": "Superpropriété de"},
    "doc_in_domain_of": {"en": "In the domain of", "fr": "Dans le domaine de"},
    "doc_in_range_of": {"en": "In the range of", "fr": "Dans le codomaine de"},
    "doc_examples": {"en": "For example", "fr": "Par exemple"},
    "doc_diagram": {"en": "Class diagram", "fr": "Diagramme des classes"},
    "doc_diagram_summary": {
        "en": "{n} classes; arrows go from a subclass to its superclass and along each object"
        " property from its domain to its range.",
        "fr": "{n} classes ; les flèches vont d'une sous-classe à sa superclasse, et de domaine"
        " à codomaine pour chaque propriété d'objet.",
    },
    "doc_releases": {"en": "Releases", "fr": "Versions publiées"},
    "doc_no_release": {"en": "No release yet.", "fr": "Aucune version publiée."},
    "doc_changes": {"en": "Changes in this release", "fr": "Changements de cette version"},
    "doc_changelog": {"en": "changes", "fr": "changements"},
    "doc_old_release": {
        "en": "This is release {v} of the ontology. The current version is here:",
        "fr": "Ceci est la version {v} de l'ontologie. La version actuelle est ici :",
    },
    "doc_current": {"en": "current version", "fr": "version actuelle"},
    "doc_unreleased": {
        "en": "Not released yet: this documents the working tree (ldkit release makes a release).",
        "fr": "Pas encore publiée : ceci documente l'arbre de travail (ldkit release publie).",
    },
    "doc_unreleased_since": {
        "en": "Unreleased changes since {v}: this documents the working tree, not release {v}.",
        "fr": "Changements non publiés depuis la {v} : ceci documente l'arbre de travail.",
    },
    "doc_term": {"en": "Term", "fr": "Terme"},
    "doc_label": {"en": "Label", "fr": "Libellé"},
    "doc_kind": {"en": "Kind", "fr": "Nature"},
}


def text(key: str, lang: Any = "en", **values: Any) -> str:
    """The words for `key` in `lang` (English when the page has no language or no such words).

    `values` fill the `{name}` places of the words; when `n` is 1, the words of `{key}_one` (the
    singular) are taken if there are any.
    """
    if values.get("n") == 1 and f"{key}_one" in MESSAGES:
        key = f"{key}_one"
    words = MESSAGES.get(key, {})
    chosen = lang if isinstance(lang, str) else "en"
    found = words.get(chosen) or words.get("en") or key
    return found.format(**values) if values else found
