"""The competency questions of a dataset (`queries/NN-slug.rq`): the query page's examples."""

from __future__ import annotations

import dataclasses
from pathlib import Path


@dataclasses.dataclass(frozen=True)
class Example:
    """One competency question: its file name, its summaries by language and its query."""

    slug: str
    summaries: dict[str, str]
    text: str

    def summary(self, languages: tuple[str, ...] = ("en",)) -> str:
        """The summary in the first of `languages` that has one, else the slug."""
        for lang in languages:
            if lang in self.summaries:
                return self.summaries[lang]
        return self.summaries.get("en", self.slug)


def read_examples(folder: Path) -> list[Example]:
    """The `*.rq` files of `folder`, sorted by name, with their grlc-style `#+ summary:` headers."""
    if not folder.is_dir():
        return []
    return [_read(path) for path in sorted(folder.glob("*.rq"))]


def _read(path: Path) -> Example:
    text = path.read_text(encoding="utf-8")
    summaries: dict[str, str] = {}
    for line in text.splitlines():
        if not line.startswith("#+"):
            continue
        key, _, value = line[2:].partition(":")
        key = key.strip()
        if key == "summary":
            summaries["en"] = value.strip()
        elif key.startswith("summary_"):
            summaries[key.removeprefix("summary_")] = value.strip()
    return Example(path.stem, summaries, text)
