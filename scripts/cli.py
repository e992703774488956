"""The `ldkit` command line: thin commands over the pipeline in `scripts/`.

Exit codes: 0 success (the data conforms: no error), 1 the data does not conform (errors, or
warnings with `validate --fail-on warning`), 2 the input cannot be read or the command was used
wrongly (bad query, bad option, bad settings).
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import click

from ldkit.pipeline import reports
from ldkit.pipeline.console import build_if_stale, build_or_fail, err, fail
from ldkit.pipeline.findings import SEVERITIES
from ldkit.pipeline.loading import InputError, read_folder
from ldkit.pipeline.progress import progress_bar
from ldkit.pipeline.query import open_built_store, read_query_argument, run_query, serialize_answer
from ldkit.pipeline.serve import DEFAULT_STACK, STACKS, port_taken
from ldkit.pipeline.validation import validate_folder
from ldkit.server.settings import Settings, SettingsError, load_settings
from ldkit.server.sparql.query_text import explain

EXIT_OK, EXIT_INVALID, EXIT_ERROR = 0, 1, 2


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    show_default=True,
    help="The dataset folder (ontology/, data/, shapes/).",
)
@click.version_option(package_name="ldkit")
@click.pass_context
def cli(ctx: click.Context, root: Path) -> None:
    """ldkit: validate, build, query and serve a linked-data folder."""
    # An ill-typed literal is `ill-typed-literal`'s finding, naming its file; rdflib logs a
    # traceback for each one it reads, which says less.
    logging.getLogger("rdflib.term").setLevel(logging.ERROR)
    try:
        ctx.obj = load_settings(root)
    except SettingsError as error:
        fail(str(error))


@cli.command()
@click.option(
    "--format",
    "output",
    type=click.Choice(["text", "json", "turtle"]),
    default="text",
    show_default=True,
    help="How to print the report.",
)
@click.option(
    "--engine",
    type=click.Choice(["fast", "pyshacl"]),
    default="fast",
    show_default=True,
    help="SHACL engine: SPARQL on pyoxigraph (pySHACL for what it cannot compile), or pySHACL.",
)
@click.option(
    "--fail-on",
    type=click.Choice(list(SEVERITIES)),
    default="error",
    show_default=True,
    help="Exit 1 on findings of this severity or worse (warning: errors and warnings).",
)
@click.option(
    "--ontology-checks/--no-ontology-checks",
    default=True,
    show_default=True,
    help="Run ldkit's ontology checks beside the shapes and the dataset's checks.",
)
@click.pass_obj
def validate(
    settings: Settings, output: str, engine: str, fail_on: str, ontology_checks: bool
) -> None:
    """Check every file parses and the data conforms to the shapes, checks and ontology checks.

    Exits 0 when nothing as severe as --fail-on (default: error) is found, 1 when something is,
    2 when a file cannot be read.
    """
    try:
        folder = read_folder(settings, progress=sys.stderr.isatty())
        report = validate_folder(folder, engine, ontology_checks=ontology_checks)
    except InputError as error:
        if output == "json":  # a machine reading the report gets JSON still
            lines = [line.strip() for line in str(error).splitlines()]
            unreadable = lines[1:] if len(lines) > 1 else lines
            click.echo(json.dumps({"conforms": False, "unreadable": unreadable}, indent=2))
        fail(str(error))
    reports.print_report(report, output)
    sys.exit(EXIT_INVALID if report.fails(fail_on) else EXIT_OK)


@cli.command()
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Build folder (default: dist/ in the dataset folder).",
)
@click.pass_obj
def build(settings: Settings, out: Path | None) -> None:
    """Validate, then write the dumps, the VoID + DCAT description and the store.

    Refuses to build data with errors (exit 1; warnings do not stop it); the previous build
    stays in place.
    """
    settings = settings.replace(out=out.resolve() if out else None)
    info = build_or_fail(settings)
    warned = (
        f", with {info.warnings} warning(s) (ldkit validate shows them)" if info.warnings else ""
    )
    err.print(
        f"built {info.triples} triples ({info.quads} quads) into {settings.build_dir}{warned}",
        highlight=False,
        soft_wrap=True,
    )


@cli.command()
@click.argument("query")
@click.option(
    "--format",
    "output",
    type=click.Choice(["table", "json", "xml", "csv", "tsv", "turtle", "nt", "jsonld"]),
    default="table",
    show_default=True,
    help="How to print the answer.",
)
@click.pass_obj
def query(settings: Settings, query: str, output: str) -> None:
    """Run a SPARQL QUERY (or @file.rq) on the built store, building it when missing or stale."""
    try:
        text = read_query_argument(query)
    except OSError as error:
        fail(f"cannot read the query: {error}")
    build_if_stale(settings)
    store = open_built_store(settings)
    try:
        if output == "table":
            reports.print_answer(run_query(store, text))
        else:
            key = {"turtle": "ttl"}.get(output, output)
            sys.stdout.buffer.write(serialize_answer(store, text, key))
    except SyntaxError as error:
        fail(f"bad query: {explain(str(error), text)}")
    except ValueError as error:
        fail(str(error))


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option(
    "--port",
    type=int,
    default=8080,
    show_default=True,
    envvar="PORT",
    help="Port to listen on (or $PORT).",
)
@click.option(
    "--time-limit", type=float, default=None, help="Seconds a SPARQL query may run (default 30)."
)
@click.option(
    "--row-limit", type=int, default=None, help="Rows a SPARQL answer may hold (default 10000)."
)
@click.option(
    "--update-token",
    default=None,
    envvar="LDKIT_UPDATE_TOKEN",
    help="Enable SPARQL Update and Graph Store writes for this bearer token "
    "(or $LDKIT_UPDATE_TOKEN).",
)
@click.option("--workers", type=int, default=2, show_default=True, help="Web worker processes.")
@click.option(
    "--stack",
    type=click.Choice(STACKS),
    default=DEFAULT_STACK,
    show_default=True,
    help="The HTTP server: granian (Rust HTTP, slow clients hold no thread), or gunicorn's "
    "gthread or sync workers (bench/serving.py compares them).",
)
@click.option(
    "--endpoint",
    default=None,
    help="Serve from this remote SPARQL store's query URL instead of the build (no build needed).",
)
@click.option(
    "--update-endpoint",
    default=None,
    help="The remote store's SPARQL Update URL, for writes with --update-token.",
)
@click.pass_obj
def serve(
    settings: Settings,
    host: str,
    port: int,
    time_limit: float | None,
    row_limit: int | None,
    update_token: str | None,
    workers: int,
    stack: str,
    endpoint: str | None,
    update_endpoint: str | None,
) -> None:
    """Serve the dataset: SPARQL endpoint and pages, building the store when missing or stale.

    With --endpoint, serve a remote SPARQL store instead (as `ldkit publish` filled it).
    """
    from ldkit.pipeline.serve import serve as run_server

    settings = settings.replace(
        time_limit=time_limit,
        row_limit=row_limit,
        update_token=update_token,
        endpoint=endpoint,
        update_endpoint=update_endpoint,
    )
    if settings.update_endpoint and not settings.endpoint:
        fail("--update-endpoint needs --endpoint (the remote store to serve from)")
    for url in filter(None, (settings.endpoint, settings.update_endpoint)):
        if not url.startswith(("http://", "https://")):
            fail(f"not an http(s) URL: {url}")
    if taken := port_taken(host, port):
        fail(
            f"cannot serve on {host}:{port}: {taken} (another ldkit serve?): stop it, or use --port"
        )
    if settings.endpoint:
        source = f"the SPARQL store at {settings.endpoint}"
        if settings.update_token and not settings.update_endpoint:
            err.print("note: no --update-endpoint, so updates are refused", highlight=False)
    else:
        source = settings.root.name
        build_if_stale(settings)
    err.print(f"serving {source} on http://{host}:{port}/", highlight=False)
    run_server(settings, host, port, workers, stack)


@cli.command()
@click.option("--endpoint", required=True, help="The store's SPARQL query URL.")
@click.option("--update-endpoint", required=True, help="The store's SPARQL Update URL.")
@click.option(
    "--gsp-endpoint",
    default=None,
    help="The store's Graph Store Protocol URL (faster for large graphs).",
)
@click.option("--user", default=None, help="User for HTTP Basic authentication.")
@click.option(
    "--password",
    default=None,
    envvar="LDKIT_PASSWORD",
    help="Password for --user (or $LDKIT_PASSWORD).",
)
@click.option(
    "--token",
    default=None,
    envvar="LDKIT_TOKEN",
    help="Bearer token (or $LDKIT_TOKEN), instead of --user/--password.",
)
@click.option(
    "--chunk-size", type=int, default=20_000, show_default=True, help="Triples per request."
)
@click.option(
    "--timeout",
    type=float,
    default=60.0,
    show_default=True,
    help="Seconds to wait for each request.",
)
@click.pass_obj
def publish(
    settings: Settings,
    endpoint: str,
    update_endpoint: str,
    gsp_endpoint: str | None,
    user: str | None,
    password: str | None,
    token: str | None,
    chunk_size: int,
    timeout: float,
) -> None:
    """Validate, build, then replace each of the dataset's graphs in a remote SPARQL store.

    Exits 1 when a graph's count in the store differs from the build's, 2 when the store cannot
    be reached, refuses the credentials or times out (the store keeps its previous graphs).
    """
    from ldkit.pipeline import publish as publishing
    from ldkit.server.stores.http_client import Credentials, RemoteError, StoreClient

    if token and user:
        fail("give either --token or --user/--password, not both")
    build_if_stale(settings)
    remote = StoreClient(
        endpoint, update_endpoint, gsp_endpoint, Credentials(user, password, token), timeout
    )
    graphs = publishing.local_graphs(settings)
    try:
        with progress_bar("publishing", sum(map(len, graphs.values()))) as advance:
            counts = publishing.publish(remote, graphs, chunk_size=chunk_size, advance=advance)
    except (RemoteError, publishing.PublishError) as error:
        fail(f"not published: {error}")
    reports.print_counts(counts)
    sys.exit(EXIT_OK if all(c.matches for c in counts) else EXIT_INVALID)


@cli.command()
@click.option(
    "--base-iri", "facts", flag_value="base_iri", multiple=True, help="The base IRI of the dataset."
)
@click.option(
    "--triples", "facts", flag_value="triples", multiple=True, help="The number of triples built."
)
@click.option(
    "--dataset-iri", "facts", flag_value="dataset_iri", multiple=True, help="The dataset's IRI."
)
@click.option(
    "--ontology-version",
    "facts",
    flag_value="ontology_version",
    multiple=True,
    help="The ontology's owl:versionInfo in the working tree.",
)
@click.option(
    "--last-release",
    "facts",
    flag_value="last_release",
    multiple=True,
    help="The newest release under releases/.",
)
@click.pass_obj
def info(settings: Settings, facts: tuple[str, ...]) -> None:
    """Facts about the dataset: one a line, in the order of the flags, or all of them as JSON."""
    from ldkit.pipeline.releases.snapshots import last_release, ontology_version

    asked = tuple(dict.fromkeys(facts))
    known: dict[str, object] = {"base_iri": settings.base_iri, "dataset_iri": settings.dataset_iri}
    if not asked or "ontology_version" in asked:  # parses the ontology: only when asked
        known["ontology_version"] = ontology_version(settings) or ""
    if not asked or "last_release" in asked:
        known["last_release"] = last_release(settings) or ""
    if not asked or "triples" in asked:
        build_if_stale(settings)
        from ldkit.pipeline.build import BuildInfo

        built = BuildInfo.read(settings.build_dir)
        known["triples"] = built.triples if built else 0
    if asked:
        for fact in asked:
            click.echo(known[fact])
    else:
        click.echo(json.dumps(known, indent=2))


@cli.command("export-site")
@click.argument("out", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--site-url",
    default=None,
    help="Where the export's pages are found: the root of their canonical links (default: the"
    " base IRI).",
)
@click.option("--live-url", default=None, help="A running `ldkit serve` for search and SPARQL.")
@click.pass_obj
def export_site(settings: Settings, out: Path, site_url: str | None, live_url: str | None) -> None:
    """Write the site as static files into OUT, with nginx and Apache rules, building first."""
    from ldkit.pipeline.export import ExportError
    from ldkit.pipeline.export import export_site as export

    build_if_stale(settings)
    try:
        done = export(settings, out, site_url=site_url, live_url=live_url)
    except ExportError as error:
        fail(str(error))
    for line in done.summary():
        err.print(line, highlight=False, soft_wrap=True)


from ldkit.pipeline.folder_cli import init, questions  # noqa: E402
from ldkit.pipeline.linking.cli import link  # noqa: E402  (after the group it joins)
from ldkit.pipeline.releases.cli import diff_command, release_command  # noqa: E402
from ldkit.pipeline.terms_cli import deprecate, rename  # noqa: E402

cli.add_command(link)
cli.add_command(diff_command)
cli.add_command(release_command)
cli.add_command(init)
cli.add_command(questions)
cli.add_command(rename)
cli.add_command(deprecate)


def main() -> None:
    """Entry point of the `ldkit` command."""
    cli(prog_name="ldkit")


if __name__ == "__main__":
    main()
