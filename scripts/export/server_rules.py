"""The rules a static server needs to answer as `ldkit serve` does: nginx and `.htaccess`."""

from __future__ import annotations

import re

from ldkit.pipeline.export.files import DOCUMENT_EXTENSIONS, NGINX_FILE, NOT_FOUND_FILE, origin_of
from ldkit.server.formats import HTML, PLAIN_JSON, RDF_FORMATS, RESOURCE_FORMATS
from ldkit.server.settings import Settings

# Media types tried for a thing, lowest priority first: a later match wins, so an RDF type named
# anywhere in `Accept` beats the HTML page browsers ask for (q-values are not weighed).
VERSION = r"(?:/[0-9]+\.[0-9]+\.[0-9]+)?"  # the ontology's version IRIs: `/ontology/0.1.0`
ACCEPT_ORDER = (HTML, PLAIN_JSON, *reversed(RDF_FORMATS[:4]))


def media_types() -> dict[str, str]:
    """The Content-Type of each document suffix, as the server sends it."""
    types = {f.extension: f"{f.media_type}; charset=utf-8" for f in RESOURCE_FORMATS}
    types["gz"] = "application/gzip"
    return types


def _accept_patterns() -> list[tuple[str, str]]:
    """(regular expression over `Accept`, suffix), lowest priority first."""
    found = []
    for fmt in ACCEPT_ORDER:
        names = [fmt.media_type, *fmt.aliases]
        found.append(("|".join(re.escape(n) for n in names), fmt.extension))
    return found


def nginx_rules(settings: Settings, special: dict[str, str], live: str | None = None) -> str:
    """An nginx snippet to include in the `server { }` block whose `root` is the export."""
    languages = "|".join(re.escape(lang) for lang in settings.languages) or "en"
    lines = [
        f"# nginx rules for the static export of {settings.dataset_iri} (ldkit export-site).",
        "# Include in the server block whose root is the export's folder:",
        "#   server { listen 80; server_name example.org; root /srv/site;",
        "#            include /srv/site/nginx.conf; }",
        "",
        "index index.html;",
        f"error_page 404 /{NOT_FOUND_FILE};",
        "",
        f"location = /{NGINX_FILE} {{ return 404; }}",
        "",
        "# Pages and documents: `_page`, `_lang` and `_format` of the live server's URLs pick the",
        "# file (`x.page2.fr.html`), as `ldkit export-site` named it.",
        "set $ldkit_page '';",
        "set $ldkit_lang '';",
        'if ($arg__page ~ "^0*([2-9]|[1-9][0-9]+)$") { set $ldkit_page .page$1; }',
        f'if ($arg__lang ~ "^({languages})$") {{ set $ldkit_lang .$1; }}',
        "",
    ]
    for fmt in RESOURCE_FORMATS:
        variant = "$ldkit_page$ldkit_lang" if fmt in (HTML, PLAIN_JSON) else ""
        lines += [
            rf"location ~ ^(?<ldkit_stem>/.+)\.{fmt.extension}$ {{",
            "    types { }",
            f'    default_type "{media_types()[fmt.extension]}";',
            '    add_header Access-Control-Allow-Origin "*";',
        ]
        if fmt is HTML:
            lines += [
                "    if ($arg__format = json) { rewrite ^ $ldkit_stem.json last; }",
                f'    add_header Content-Security-Policy "{_page_policy(live)}";',
                '    add_header X-Content-Type-Options "nosniff";',
            ]
        lines += [f"    try_files $ldkit_stem{variant}.{fmt.extension} =404;", "}"]
    lookbehinds = "".join(rf"(?<!\.{ext})" for ext in DOCUMENT_EXTENSIONS)
    lines += [
        "",
        "location ^~ /dumps/ {",
        "    types { }",
        f'    default_type "{media_types()["gz"]}";',
        '    add_header Access-Control-Allow-Origin "*";',
        "}",
        "",
        "# Things: 303 See Other to the document `Accept` asks for; `Vary: Accept`.",
    ]
    for path, stem in special.items():
        lines += [f"location = {path} {{", *_nginx_negotiation(stem), "}"]
    lines += [
        rf"location ~ ^(?<ldkit_thing>/(?:id/.*[^/]|ontology{VERSION})){lookbehinds}$ {{",
        "    if (!-f $document_root$ldkit_thing.html) { return 404; }",
        *_nginx_negotiation("$ldkit_thing"),
        "}",
        "",
        "# Pages without a suffix (`/`, `/-/classes/a:B`): their `.html` file.",
        "location = / {",
        "    if ($arg__format = json) { rewrite ^ /index.json last; }",
        "    try_files /index$ldkit_page$ldkit_lang.html =404;",
        "}",
        "location / {",
        "    charset utf-8;",
        "    if ($arg__format = json) { rewrite ^(.+)$ $1.json last; }",
        "    try_files $uri$ldkit_page$ldkit_lang.html $uri $uri/ =404;",
        "}",
        "",
    ]
    return "\n".join(lines)


def _nginx_negotiation(stem: str) -> list[str]:
    lines = [f"    set $ldkit_ext {HTML.extension};"]
    for pattern, extension in _accept_patterns():
        lines.append(f'    if ($http_accept ~* "{pattern}") {{ set $ldkit_ext {extension}; }}')
    lines += [
        '    add_header Vary "Accept" always;',
        f"    return 303 {stem}.$ldkit_ext$is_args$args;",
    ]
    return lines


def htaccess_rules(settings: Settings, special: dict[str, str], live: str | None = None) -> str:
    """An Apache `.htaccess` (mod_rewrite, mod_headers, mod_mime) for the export's root."""
    languages = "|".join(re.escape(lang) for lang in settings.languages) or "en"
    extensions = "|".join(DOCUMENT_EXTENSIONS)
    types = media_types()
    lines = [
        f"# Apache rules for the static export of {settings.dataset_iri} (ldkit export-site).",
        "# Needs AllowOverride FileInfo Indexes (mod_rewrite, mod_headers, mod_mime).",
        "",
        f"ErrorDocument 404 /{NOT_FOUND_FILE}",
        "DirectoryIndex index.html",
        "RemoveEncoding .gz",
        "Options -MultiViews -Indexes",
        "",
    ]
    for extension in (*DOCUMENT_EXTENSIONS, "gz"):
        lines.append(f'<FilesMatch "\\.{extension}$">')
        lines.append(f'  ForceType "{types[extension]}"')
        lines.append('  Header set Access-Control-Allow-Origin "*"')
        lines.append("</FilesMatch>")
    lines += [
        '<FilesMatch "\\.html$">',
        f'  Header set Content-Security-Policy "{_page_policy(live)}"',
        '  Header set X-Content-Type-Options "nosniff"',
        "</FilesMatch>",
        f'<Files "{NGINX_FILE}">',
        "  Require all denied",
        "</Files>",
        "",
        "RewriteEngine On",
        "",
        "# Things: 303 See Other to the document `Accept` asks for (later matches win).",
    ]
    negotiation = ["RewriteRule ^ - [E=LDKIT_EXT:html]"]
    for pattern, extension in _accept_patterns():
        negotiation += [
            f'RewriteCond %{{HTTP_ACCEPT}} "{pattern}" [NC]',
            f"RewriteRule ^ - [E=LDKIT_EXT:{extension}]",
        ]
    lines += negotiation
    for path, stem in special.items():
        lines += [
            f"RewriteRule ^{re.escape(path.lstrip('/'))}$ {stem}.%{{ENV:LDKIT_EXT}} [R=303,L]",
        ]
    variant = "%{ENV:LDKIT_PAGE}%{ENV:LDKIT_LANG}"
    json_asked = "RewriteCond %{QUERY_STRING} (?:^|&)_format=json(?:&|$)"
    lines += [
        f"RewriteCond %{{REQUEST_URI}} !\\.({extensions})$",
        "RewriteCond %{DOCUMENT_ROOT}/$1.html -f",
        f"RewriteRule ^(id/.+|ontology{VERSION})$ /$1.%{{ENV:LDKIT_EXT}} [R=303,L]",
        'Header always merge Vary "Accept" "expr=%{REQUEST_STATUS} == 303"',
        "",
        "# The live server's `_page`, `_lang` and `_format` URLs: the files named after them.",
        "RewriteCond %{QUERY_STRING} (?:^|&)_page=0*([2-9]|[1-9][0-9]+)(?:&|$)",
        "RewriteRule ^ - [E=LDKIT_PAGE:.page%1]",
        f"RewriteCond %{{QUERY_STRING}} (?:^|&)_lang=({languages})(?:&|$)",
        "RewriteRule ^ - [E=LDKIT_LANG:.%1]",
        json_asked,
        f"RewriteRule ^$ /index{variant}.json [END]",
        json_asked,
        f"RewriteCond %{{DOCUMENT_ROOT}}/$1{variant}.json -f",
        f"RewriteRule ^(.+?)(?:\\.html)?$ /$1{variant}.json [END]",
        f"RewriteRule ^$ /index{variant}.html [END]",
        f"RewriteCond %{{DOCUMENT_ROOT}}/$1{variant}.$2 -f",
        f"RewriteRule ^(.+)\\.(html|json)$ /$1{variant}.$2 [END]",
        "RewriteCond %{REQUEST_FILENAME} !-f",
        f"RewriteCond %{{DOCUMENT_ROOT}}/$1{variant}.html -f",
        f"RewriteRule ^(.+)$ /$1{variant}.html [END]",
        "",
    ]
    return "\n".join(lines)


def _page_policy(live: str | None) -> str:
    """The server's Content-Security-Policy, letting forms and the type-ahead reach `live`."""
    from ldkit.server.http_headers import CONTENT_SECURITY_POLICY

    policy = CONTENT_SECURITY_POLICY.replace('"', "'")
    if live:
        origin = origin_of(live)
        for directive in ("connect-src", "form-action"):
            policy = policy.replace(f"{directive} 'self'", f"{directive} 'self' {origin}")
    return policy
