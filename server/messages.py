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
    "next": {"en": "Next page", "fr": "Page suivante"},
    "previous": {"en": "Previous page", "fr": "Page précédente"},
    "page": {"en": "Page", "fr": "Page"},
    "things": {"en": "things", "fr": "choses"},
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
    "diagram_summary": {
        "en": "{n} organisations and bodies, {m} relations; arrows go from parts to wholes.",
        "fr": "{n} organisations et organes, {m} relations ; les flèches vont des parties au tout.",
    },
}


def text(key: str, lang: Any = "en", **values: Any) -> str:
    """The words for `key` in `lang` (English when the page has no language or no such words).

    `values` fill the `{name}` places of the words.
    """
    words = MESSAGES.get(key, {})
    chosen = lang if isinstance(lang, str) else "en"
    found = words.get(chosen) or words.get("en") or key
    return found.format(**values) if values else found
