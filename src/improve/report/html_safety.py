"""A report is static: the rendered HTML is sanitised before it is written.

User strings (program and unit labels, outcome and column names, subgroup names) are
escaped where they enter the report (:meth:`improve.report.outputs.RunOutputs.text`, the
tables and figures); :func:`sanitise_report` is the second wall, applied once to the whole
``<body>`` of ``report.html`` after nbconvert has rendered it:

* only the elements a report is made of are kept (text, headings, lists, tables, figures,
  images, links, inline ``<style>`` from great_tables); ``<script>``, ``<iframe>``,
  ``<object>``, ``<embed>``, forms, ``<svg>`` and ``<math>`` are removed with their content;
* only presentational attributes are kept, never an ``on*`` event handler;
* a link may only point inside the page (``#anchor``) and an image may only be a
  ``data:image/...`` URI: no ``javascript:``, ``file:``, relative or network URL survives;
* an inline ``style`` attribute or ``<style>`` element that could fetch something
  (``url(``, ``@import``, ``image-set``, CSS escapes) is dropped.

The head (our template's CSS) gets a Content-Security-Policy that allows no script, no
network and no file access in any browser that opens the report (:data:`CSP`).

Why ``nh3`` (the Python binding of the Rust ``ammonia`` sanitiser) and not ``bleach``:
``bleach`` is deprecated by its maintainers (security fixes only, since 2023) and is built
on an html5lib that is no longer maintained; ammonia parses with html5ever, the HTML
parser of Servo, so the tree it cleans is the tree a browser builds, and it is an
allow-list sanitiser: what is not named is dropped.
"""

from __future__ import annotations

import re

import nh3

#: Content-Security-Policy of every report: inline CSS and ``data:`` images only.
CSP = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:; "
    "script-src 'none'; object-src 'none'; frame-src 'none'; base-uri 'none'; "
    "form-action 'none'"
)

#: Elements a report is made of.
ALLOWED_TAGS: frozenset[str] = frozenset(
    """a abbr aside b blockquote br caption code col colgroup dd del details div dl dt em
    figcaption figure h1 h2 h3 h4 h5 h6 hr i img ins kbd li main mark nav ol p pre q s
    samp section small span strong style sub summary sup table tbody td tfoot th thead
    tr u ul var""".split()
)

#: Elements removed together with everything inside them.
REMOVED_WITH_CONTENT: frozenset[str] = frozenset(
    """script iframe frame frameset object embed applet noscript template textarea select
    button form svg math audio video canvas portal""".split()
)

_EVERYWHERE = {"class", "id", "style", "title", "lang", "dir", "role", "tabindex"}

#: Attributes per element (besides :data:`_EVERYWHERE` and ``aria-*`` / ``data-*``).
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {
    "*": _EVERYWHERE,
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan", "headers", "align"},
    "th": {"colspan", "rowspan", "headers", "scope", "align"},
    "col": {"span"},
    "colgroup": {"span"},
    "ol": {"start", "type"},
    "style": {"type"},
}

_FETCHING_CSS = re.compile(r"url\s*\(|@import|image-set|image\s*\(|expression\s*\(|\\", re.I)
_STYLE_ELEMENT = re.compile(r"<style\b[^>]*>(.*?)</style\s*>", re.I | re.S)
_BODY = re.compile(r"(<body\b[^>]*>)(.*)(</body\s*>)", re.I | re.S)


def _safe_url(tag: str, value: str) -> bool:
    text = value.strip()
    if tag == "img":
        return text.lower().startswith("data:image/")
    return text.startswith("#")


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    """nh3's per-attribute check: URLs inside the page only, styles that fetch nothing."""
    if attribute in ("href", "src"):
        return value if _safe_url(tag, value) else None
    if attribute == "style":
        return None if _FETCHING_CSS.search(value) else value
    return value


def sanitise_fragment(markup: str) -> str:
    """``markup`` (an HTML fragment) with everything that could run or fetch removed."""
    cleaned = nh3.clean(
        markup,
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(REMOVED_WITH_CONTENT),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        attribute_filter=_attribute_filter,
        generic_attribute_prefixes={"aria-", "data-"},
        url_schemes={"data"},
        link_rel=None,
        strip_comments=True,
    )
    return _STYLE_ELEMENT.sub(
        lambda m: "" if _FETCHING_CSS.search(m.group(1)) else m.group(0), cleaned
    )


def sanitise_report(document: str) -> str:
    """A full report page with its ``<body>`` sanitised and the :data:`CSP` in its head.

    The head is our template's (title and CSS); everything that can carry a user's string
    is in the body. A page without a ``<body>`` is sanitised as a whole.
    """
    match = _BODY.search(document)
    if match is None:
        return sanitise_fragment(document)
    body = sanitise_fragment(match.group(2))
    head = document[: match.start()]
    policy = f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
    head = re.sub(r"(<head\b[^>]*>)", lambda m: m.group(1) + policy, head, count=1, flags=re.I)
    return head + match.group(1) + body + match.group(3) + document[match.end() :]
