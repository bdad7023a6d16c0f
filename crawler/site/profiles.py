"""Site profiles: what differs between documentation sites, as data (a TOML file per site).

A profile names the site, where its versions are listed, which URLs are documentation, where a
page's content is and what inside it is boilerplate, and which headings delimit sections. What
truly needs code (Kafka's slug scheme, its legacy redirect pages) lives in a small hook module
named by ``plugin`` (see ``crawler.site.hooks``). ``load_profile`` validates a file and reports the
first problem as one line naming the key: completely, so a profile that loads cannot fail later
(seed templates name only ``{slug}``, every regular expression compiles on RE2, a linear-time
engine (``crawler.site.regex``), rewrite replacements name existing groups, the plugin is an
absolute, importable module name). A plugin runs Python code: profiles are trusted like code.
"""
from __future__ import annotations

import importlib.util
import re
import string
from dataclasses import dataclass, field
from pathlib import Path

from crawler.site.regex import LinearRegex, RegexError, check_replacement

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib


class ProfileError(ValueError):
    """A profile file that cannot be used: the message names the file and the key."""


@dataclass(frozen=True)
class PageKind:
    """One kind of page on a site and how to read it."""
    name: str
    path_pattern: LinearRegex            # canonical path; group "slug" is the version
    content_roots: tuple[str, ...]      # CSS selectors, first match wins
    strip: tuple[str, ...] = ()         # CSS selectors of boilerplate inside the root
    content_starts_at: str | None = None  # drop what precedes the first such element
    section_levels: tuple[int, ...] = (1, 2, 3)
    requires: str | None = None         # CSS selector: this kind only if the page has it (layouts)
    role: str = "content"               # "content", or "redirects": a legacy page of old anchors
    content_fallback: str = "main-text"  # no root found -> the element holding trafilatura's
                                         # main text (crawler.page.maintext); "none": the page fails


@dataclass(frozen=True)
class VersionRules:
    url_pattern: LinearRegex             # a version's URLs; group "slug"
    link_selectors: tuple[str, ...] = ("a",)   # links that may name versions (menus, lists)
    current_selector: str | None = None  # the link of the page's own version in the menu
    versions_json: str | None = None     # mike's versions.json
    aliases: tuple[str, ...] = ()        # "latest", "stable": names of another version
    seeds: tuple[str, ...] = ("/{slug}/",)        # a version's first pages ("/{slug}/")
    optional_seeds: tuple[str, ...] = ()          # tried, absent is fine
    slug_rewrites: tuple[tuple[LinearRegex, str], ...] = ()   # slug -> version, first match
    refetch_newest: int | None = None    # with --state: older releases already seen are pinned
    unversioned: bool = False            # the newest release lives at the unversioned path
    named_by: str = "slug"               # "label": versions are named by their menu labels
    prerelease: tuple[str, ...] = ()     # labels/slugs of unreleased versions ("next")


@dataclass(frozen=True)
class SiteProfile:
    name: str                           # site key in records ("kafka")
    source: str                         # the prompt's Source line ("apache_kafka")
    public_base_url: str | None         # canonical host for record URLs (None: where fetched)
    entry: str                          # the unversioned entry page (= latest release)
    versions: VersionRules
    page_kinds: tuple[PageKind, ...]
    allow: tuple[LinearRegex, ...] = ()  # paths in scope (empty: any page-kind path)
    deny: tuple[LinearRegex, ...] = ()
    template_names: tuple[str, ...] = ()  # client-side (handlebars) templates to render
    template_context: str | None = None   # where their variables live ("/{slug}/js/templateData.js")
    plugin: str | None = None           # hook module for what needs code
    description: str = ""
    path: str | None = field(default=None, compare=False)   # the file it was loaded from
    # ``crawl URL`` with a one-version profile: the start page's layout (a CSS selector, e.g.
    # "div.vp-doc"); a folder the site's navigation or sitemap lists outside ``allow`` joins the
    # scope when its page has it (crawler.site.scope). "": scoped by the site, layout unknown (a
    # page the navigation lists outside the scope fails the run). None: ``allow`` as written.
    layout: str | None = None

    def kinds_for(self, path: str) -> list[tuple[PageKind, str]]:
        """Page kinds whose path pattern matches, with the version slug: several when the site
        has two layouts at one path (the page itself tells which, by ``requires``)."""
        found = []
        for kind in self.page_kinds:
            match = kind.path_pattern.match(path)
            if match:
                found.append((kind, match.group("slug")))
        return found

    def page_kind(self, path: str) -> tuple[PageKind, str] | None:
        kinds = self.kinds_for(path)
        return kinds[0] if kinds else None

    def in_scope(self, path: str) -> bool:
        if any(pattern.search(path) for pattern in self.deny):
            return False
        return not self.allow or any(pattern.search(path) for pattern in self.allow)


# -- loading and validation -----------------------------------------------------------------------
_TOP = {"name", "source", "public_base_url", "entry", "description", "plugin", "versions", "scope",
        "templates", "pages"}
_VERSIONS = {"url_pattern", "links", "current", "json", "aliases", "seeds", "optional_seeds",
             "slug_rewrites", "refetch_newest", "unversioned", "named_by", "prerelease"}
_SCOPE = {"allow", "deny"}
_TEMPLATES = {"names", "context"}
_PAGE = {"name", "path", "content_root", "strip", "content_starts_at", "section_levels", "requires",
         "role", "content_fallback"}


def load_profile(path: str | Path) -> SiteProfile:
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ProfileError(f"profile {path}: no such file") from None
    except tomllib.TOMLDecodeError as error:
        raise ProfileError(f"profile {path}: not valid TOML: {error}") from None
    try:
        return profile_from_dict(data, str(path))
    except ProfileError as error:
        raise ProfileError(f"profile {path}: {error}") from None


def profile_from_dict(data: dict, origin: str | None = None) -> SiteProfile:
    _known(data, _TOP, "")
    versions = _table(data, "versions", required=True)
    _known(versions, _VERSIONS, "versions.")
    scope = _table(data, "scope")
    _known(scope, _SCOPE, "scope.")
    templates = _table(data, "templates")
    _known(templates, _TEMPLATES, "templates.")
    pages = data.get("pages")
    if not isinstance(pages, list) or not pages or not all(isinstance(p, dict) for p in pages):
        raise ProfileError("missing required key 'pages' (one or more [[pages]] tables)")
    for key in ("links", "current"):
        for selector in _strings(versions, key, "versions."):
            _check_selector(selector, "versions." + key)
    url_pattern = _regex(versions, "url_pattern", "versions.", required=True, group="slug")
    # "(?:(?P<slug>\d+\.\d+|next)/)?": pages without a slug are the release at the unversioned
    # path; such a pattern says so by itself (ignoring those pages silently was the old way).
    unversioned = _bool(versions, "unversioned", "versions.") if "unversioned" in versions \
        else _slug_is_optional(url_pattern)
    name = _string(data, "name", required=True)
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", name):
        raise ProfileError(f"'name' must be lower-case letters, digits, '-' or '_' (got {name!r})")
    return SiteProfile(
        name=name,
        source=_string(data, "source", required=True),
        public_base_url=_url(data, "public_base_url"),
        entry=_path(data, "entry", required=True),
        description=_string(data, "description") or "",
        plugin=_plugin(data),
        versions=VersionRules(
            url_pattern=url_pattern,
            link_selectors=tuple(_strings(versions, "links", "versions.") if "links" in versions else ("a",)),
            current_selector=_string(versions, "current", "versions."),
            versions_json=_path(versions, "json", "versions."),
            aliases=tuple(_strings(versions, "aliases", "versions.")),
            # An empty list is allowed: each version is then entered by its menu link.
            seeds=tuple(_templates(versions, "seeds", "versions.")) if "seeds" in versions else ("/{slug}/",),
            optional_seeds=tuple(_templates(versions, "optional_seeds", "versions.")),
            slug_rewrites=_rewrites(versions),
            refetch_newest=_positive_int(versions, "refetch_newest", "versions."),
            unversioned=unversioned,
            named_by=_choice(versions, "named_by", "versions.", ("slug", "label")) or "slug",
            prerelease=tuple(name.casefold() for name in _strings(versions, "prerelease", "versions.")),
        ),
        page_kinds=tuple(_page_kind(page, index) for index, page in enumerate(pages)),
        allow=tuple(_regexes(scope, "allow", "scope.")),
        deny=tuple(_regexes(scope, "deny", "scope.")),
        template_names=tuple(_strings(templates, "names", "templates.")),
        template_context=(_templates(templates, "context", "templates.") or [None])[0],
        path=origin,
    )


def _page_kind(page: dict, index: int) -> PageKind:
    prefix = f"pages[{index}]."
    _known(page, _PAGE, prefix)
    levels = page.get("section_levels", [1, 2, 3])
    if not (isinstance(levels, list) and levels and all(
            isinstance(level, int) and not isinstance(level, bool) and 1 <= level <= 6 for level in levels)):
        raise ProfileError(f"'{prefix}section_levels' must be a list of heading levels 1-6 (got {levels!r})")
    role = _string(page, "role", prefix) or "content"
    if role not in ("content", "redirects"):
        raise ProfileError(f"'{prefix}role' must be 'content' or 'redirects' (got {role!r})")
    roots = _strings(page, "content_root", prefix)
    # The roots are hints: a page where none matches is read from trafilatura's main text,
    # unless the profile says "none" (then a missing root fails the page).
    fallback = _choice(page, "content_fallback", prefix, ("main-text", "none")) or "main-text"
    if not roots and role == "content" and fallback == "none":
        raise ProfileError(f"missing required key '{prefix}content_root' (content_fallback is \"none\")")
    for key in ("content_root", "strip", "requires", "content_starts_at"):
        for selector in _strings(page, key, prefix):
            _check_selector(selector, prefix + key)
    return PageKind(
        name=_string(page, "name", prefix, required=True),
        path_pattern=_regex(page, "path", prefix, required=True, group="slug"),
        content_roots=tuple(roots),
        strip=tuple(_strings(page, "strip", prefix)),
        content_starts_at=_string(page, "content_starts_at", prefix),
        section_levels=tuple(sorted(set(levels))),
        requires=_string(page, "requires", prefix),
        role=role,
        content_fallback=fallback,
    )


def _known(table: dict, allowed: set[str], prefix: str) -> None:
    for key in table:
        if key not in allowed:
            raise ProfileError(f"unknown key '{prefix}{key}' (known: {', '.join(sorted(allowed))})")


def _table(data: dict, key: str, required: bool = False) -> dict:
    value = data.get(key)
    if value is None:
        if required:
            raise ProfileError(f"missing required key '{key}' (a [{key}] table)")
        return {}
    if not isinstance(value, dict):
        raise ProfileError(f"'{key}' must be a table ([{key}])")
    return value


def _string(table: dict, key: str, prefix: str = "", required: bool = False) -> str | None:
    value = table.get(key)
    if value is None:
        if required:
            raise ProfileError(f"missing required key '{prefix}{key}'")
        return None
    if not isinstance(value, str) or not value.strip():
        raise ProfileError(f"'{prefix}{key}' must be a non-empty string (got {value!r})")
    return value


def _strings(table: dict, key: str, prefix: str = "") -> list[str]:
    value = table.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
        raise ProfileError(f"'{prefix}{key}' must be a string or a list of strings (got {value!r})")
    return value


def _slug_is_optional(pattern: re.Pattern) -> bool:
    """Can ``pattern`` match with its ``slug`` group left out (inside ``(...)?``, ``*`` or one
    branch of an alternation)?"""
    try:
        from re import _parser as parser   # Python >= 3.11
    except ImportError:                    # pragma: no cover - Python 3.10
        import sre_parse as parser
    slug_group = pattern.groupindex["slug"]

    def walk(items, optional: bool):
        for op, value in items:
            name = str(op)
            if name == "SUBPATTERN":
                if value[0] == slug_group:
                    return optional
                found = walk(value[3], optional)
            elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
                found = walk(value[2], optional or value[0] == 0)
            elif name == "BRANCH":
                found = next((result for branch in value[1]
                              if (result := walk(branch, optional or len(value[1]) > 1)) is not None), None)
            else:
                found = None
            if found is not None:
                return found
        return None

    try:
        return bool(walk(parser.parse(pattern.pattern), False))
    except Exception:   # the parser is CPython's internal API: never fail a profile over it
        return False


def _bool(table: dict, key: str, prefix: str) -> bool:
    value = table.get(key, False)
    if not isinstance(value, bool):
        raise ProfileError(f"'{prefix}{key}' must be true or false (got {value!r})")
    return value


def _choice(table: dict, key: str, prefix: str, choices: tuple[str, ...]) -> str | None:
    value = _string(table, key, prefix)
    if value is not None and value not in choices:
        raise ProfileError(f"'{prefix}{key}' must be one of {', '.join(choices)} (got {value!r})")
    return value


def _positive_int(table: dict, key: str, prefix: str) -> int | None:
    value = table.get(key)
    if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 1):
        raise ProfileError(f"'{prefix}{key}' must be a whole number >= 1 (got {value!r})")
    return value


def _path(table: dict, key: str, prefix: str = "", required: bool = False) -> str | None:
    value = _string(table, key, prefix, required)
    if value is not None and not value.startswith("/"):
        raise ProfileError(f"'{prefix}{key}' must be a path starting with '/' (got {value!r})")
    return value


def _url(table: dict, key: str) -> str | None:
    value = _string(table, key)
    if value is not None and not re.match(r"^https?://[^/\s]+$", value.rstrip("/")):
        raise ProfileError(f"'{key}' must be a URL like https://docs.example.org (got {value!r})")
    return value.rstrip("/") if value else None


def _regex(table: dict, key: str, prefix: str, required: bool = False, group: str | None = None):
    value = _string(table, key, prefix, required)
    if value is None:
        return None
    try:
        re.compile(value)   # Python's message for plain syntax errors is the clearer one
        pattern = LinearRegex(value)
    except re.error as error:
        raise ProfileError(f"'{prefix}{key}' is not a valid regular expression: {error}") from None
    except RegexError as error:
        raise ProfileError(f"'{prefix}{key}' {value!r} is {error}") from None
    if group and group not in pattern.groupindex:
        raise ProfileError(f"'{prefix}{key}' needs a named group (?P<{group}>...) (got {value!r})")
    return pattern


def _templates(table: dict, key: str, prefix: str) -> list[str]:
    """Paths with ``{slug}`` as their only placeholder (``{page}`` or a lone ``{`` would fail
    in the middle of the crawl)."""
    values = _strings(table, key, prefix)
    for value in values:
        try:
            fields = [(name, spec, conversion) for _, name, spec, conversion in string.Formatter().parse(value)
                      if name is not None]
        except ValueError as error:
            raise ProfileError(f"'{prefix}{key}' {value!r} is not a valid template: {error}; "
                               f"write {{slug}} for the version, {{{{ and }}}} for braces") from None
        for name, spec, conversion in fields:
            if name != "slug" or spec or conversion:
                raise ProfileError(f"'{prefix}{key}' {value!r}: the only placeholder is {{slug}} "
                                   f"(got {{{name}{'!' + conversion if conversion else ''}"
                                   f"{':' + spec if spec else ''}}})")
        if not value.format(slug="x").startswith("/"):
            raise ProfileError(f"'{prefix}{key}' must be a path starting with '/' (got {value!r})")
    return values


def _plugin(data: dict) -> str | None:
    """An absolute module name (``mypackage.hooks``; a bare name is a shipped plugin in
    ``crawler.site.sites``) that can be found now."""
    name = _string(data, "plugin")
    if name is None:
        return None
    if not re.fullmatch(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*", name):
        raise ProfileError(f"'plugin' must be an absolute module name like mypackage.hooks (got {name!r})")
    module = name if "." in name else f"crawler.site.sites.{name}"
    try:
        found = importlib.util.find_spec(module)
    except (ImportError, ValueError) as error:
        raise ProfileError(f"'plugin' {name!r} cannot be imported ({error})") from None
    if found is None:
        raise ProfileError(f"'plugin' {name!r} cannot be imported (no module named {module!r})")
    return name


def _regexes(table: dict, key: str, prefix: str) -> list[LinearRegex]:
    return [_regex({key: value}, key, prefix) for value in _strings(table, key, prefix)]


def _rewrites(versions: dict) -> tuple[tuple[LinearRegex, str], ...]:
    rules = versions.get("slug_rewrites", [])
    if not isinstance(rules, list) or not all(
            isinstance(rule, list) and len(rule) == 2 and all(isinstance(p, str) for p in rule)
            for rule in rules):
        raise ProfileError("'versions.slug_rewrites' must be a list of [pattern, replacement] pairs")
    checked = []
    for pattern, replacement in rules:
        compiled = _regex({"slug_rewrites": pattern}, "slug_rewrites", "versions.")
        try:
            check_replacement(compiled, replacement)
        except RegexError as error:
            raise ProfileError(f"'versions.slug_rewrites' [{pattern!r}, {replacement!r}]: {error}") from None
        checked.append((compiled, replacement))
    return tuple(checked)


def _check_selector(selector: str, key: str) -> None:
    from cssselect import GenericTranslator, SelectorError

    try:
        GenericTranslator().css_to_xpath(selector)
    except SelectorError as error:
        raise ProfileError(f"'{key}' has an invalid CSS selector {selector!r}: {error}") from None
