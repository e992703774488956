"""Settings of a dataset folder: read once from `ldkit.toml` or `[tool.ldkit]` of `pyproject.toml`.

Every setting has a default, so a bare folder with any of `ontology/`, `data/` and `shapes/` works.
Settings are read when a command or an app starts, never at import time.
"""

from __future__ import annotations

import dataclasses
import tomllib
from pathlib import Path
from typing import Any

DEFAULT_BASE_IRI = "https://w3id.org/ldkit/dataset/"
CHECK_SEVERITIES = ("error", "warning", "info", "off")
SHAPES_DUMP = "shapes"  # the stem of the build's shapes dumps: `dumps/shapes.ttl.gz`...


class SettingsError(ValueError):
    """A settings file that cannot be read or holds a value of the wrong kind."""


@dataclasses.dataclass(frozen=True)
class Settings:
    """What ldkit knows about one dataset folder."""

    root: Path
    base_iri: str = DEFAULT_BASE_IRI
    name: str = "dataset"
    title: dict[str, str] = dataclasses.field(default_factory=dict)
    description: dict[str, str] = dataclasses.field(default_factory=dict)
    license: str = "https://creativecommons.org/licenses/by/4.0/"
    publisher: str = "ldkit"
    languages: tuple[str, ...] = ("en", "fr")
    out: Path | None = None
    # Severity per ontology check id ("error", "warning", "info" or "off"), over ldkit's profile.
    checks: dict[str, str] = dataclasses.field(default_factory=dict)
    # Server settings: overridden by `ldkit serve` options.
    time_limit: float = 30.0
    row_limit: int = 10_000
    update_token: str | None = None
    endpoint: str | None = None
    update_endpoint: str | None = None
    service_allow_list: tuple[str, ...] = ()

    @property
    def dataset_iri(self) -> str:
        return f"{self.base_iri}id/dataset/{self.name}"

    @property
    def build_dir(self) -> Path:
        return self.out if self.out is not None else self.root / "dist"

    @property
    def ontology_dir(self) -> Path:
        return self.root / "ontology"

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def shapes_dir(self) -> Path:
        return self.root / "shapes"

    @property
    def shapes_dump(self) -> Path:
        """The build's Turtle dump of the shapes: what the server publishes at `/shapes`."""
        return self.build_dir / "dumps" / f"{SHAPES_DUMP}.ttl.gz"

    @property
    def queries_dir(self) -> Path:
        return self.root / "queries"

    @property
    def releases_dir(self) -> Path:
        """The frozen releases of the ontology and shapes, `releases/VERSION/`."""
        return self.root / "releases"

    @property
    def ontology_changelog(self) -> Path:
        """The ontology's changelog, one section per release (written by `ldkit release`)."""
        return self.releases_dir / "CHANGELOG.md"

    @property
    def ontology_iri(self) -> str:
        """The ontology's IRI (its version IRIs are `{ontology_iri}/{version}`)."""
        return f"{self.base_iri}ontology"

    @property
    def built_versions_dir(self) -> Path:
        """The versions as a build holds them for the server: `VERSION/`, `current/`."""
        return self.build_dir / "versions"

    def version_iri(self, version: str) -> str:
        """The IRI of release `version` of the ontology (`owl:versionIRI`)."""
        return f"{self.ontology_iri}/{version}"

    @property
    def link_cache_dir(self) -> Path:
        """What `ldkit link check` remembered of the link targets (their labels)."""
        return self.data_dir / "links" / "cache"

    # The dataset's layout in the store: its named graphs are `{base}id/graph/{name}`.

    def graph(self, name: str) -> str:
        """The IRI of the dataset's named graph `name`."""
        return f"{self.base_iri}id/graph/{name}"

    @property
    def ontology_graph(self) -> str:
        """The graph the build puts the ontology in (ours and the labels of reused terms)."""
        return self.graph("ontology")

    @property
    def description_graph(self) -> str:
        """The graph the build puts the dataset's VoID + DCAT description in."""
        return self.graph("dataset-description")

    @property
    def default_graph(self) -> str:
        """The named graph that holds the build's default graph in a remote store."""
        return self.graph("default")

    def label(self, field: dict[str, str]) -> str:
        """The value of a multilingual setting in the first language that has one."""
        for lang in self.languages:
            if lang in field:
                return field[lang]
        return next(iter(field.values()), self.name)

    def replace(self, **changes: Any) -> Settings:
        """A copy with some settings changed (command-line options win over files)."""
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})


def load_settings(root: Path | str = ".", **overrides: Any) -> Settings:
    """Read the settings of the folder `root`; keyword arguments override the files."""
    root = Path(root).resolve()
    raw = _read_raw(root)
    known = {f.name for f in dataclasses.fields(Settings)} - {"root"}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise SettingsError(f"unknown ldkit setting(s): {', '.join(unknown)}")
    values: dict[str, Any] = {"name": root.name}
    for key, value in raw.items():
        values[key] = _coerce(key, value)
    settings = Settings(root=root, **values)
    if settings.out is not None and not settings.out.is_absolute():
        settings = dataclasses.replace(settings, out=root / settings.out)
    if not settings.base_iri.endswith(("/", "#")):
        raise SettingsError(f"base_iri must end with '/' or '#': {settings.base_iri}")
    return settings.replace(**overrides)


def _read_raw(root: Path) -> dict[str, Any]:
    for path, table in ((root / "ldkit.toml", None), (root / "pyproject.toml", ("tool", "ldkit"))):
        if not path.is_file():
            continue
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
            raise SettingsError(f"{path}: {error}") from error
        for key in table or ():
            data = data.get(key, {})
        if data:
            return dict(data)
    return {}


def _coerce(key: str, value: Any) -> Any:
    if key in ("title", "description"):
        if isinstance(value, str):
            return {"en": value}
        if not isinstance(value, dict):
            raise SettingsError(f"{key} must be a string or a table of languages")
        return {str(k): str(v) for k, v in value.items()}
    if key in ("languages", "service_allow_list"):
        return tuple(str(v) for v in value)
    if key == "out":
        return Path(value)
    if key == "checks":
        return _check_severities(value)
    return value


def _check_severities(value: Any) -> dict[str, str]:
    """The `checks` table: each check id to one of the severities, or "off"."""
    if not isinstance(value, dict):
        raise SettingsError(
            'checks must be a table: check id = "error", "warning", "info" or "off"'
        )
    for check, severity in value.items():
        if severity not in CHECK_SEVERITIES:
            raise SettingsError(
                f"checks.{check} = {severity!r}: use one of {', '.join(CHECK_SEVERITIES)}"
            )
    return {str(k): str(v) for k, v in value.items()}
