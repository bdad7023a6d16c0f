"""``docprompts crawl URL``: from a URL to a profile, before anything is crawled or written.

Fetch the page, detect its generator (``crawler.site.detect``), take the shipped profile for it (or
the generic fallback, with a warning), point it at the URL (entry page, public host, scope),
list the versions the page names and check ``--versions`` against them: a wrong name fails
here, in one line, before an output file exists. The page as served also says whether the
site's text needs a browser (``crawler.page.browser_needed``): the crawl then renders it.
"""
from __future__ import annotations

import dataclasses
import json
import re
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from crawler.page.browser_needed import far_less_than_source, is_docsify, parse_served, reason_of, visible_words
from crawler.site import scope
from crawler.site.detect import GENERIC_PROFILE, Detection, detect_generator
from crawler.site.routes import route_of, split_route, with_route
from crawler.site.hooks import hooks_for
from crawler.site import discovery, versionsources
from crawler.site.regex import LinearRegex
from crawler.site.profiles import SiteProfile
from crawler.site.sites import load_site
from crawler.site.versionmenu import UNVERSIONED, matches_request

# One-version profiles that assume no docs folder: their scope starts at the URL's first folder
# and grows to the folders the site's navigation and sitemaps list with the same layout.
SCOPED_BY_SITE = {GENERIC_PROFILE, "docsy", "docsify", "vitepress", "starlight", "mdbook"}
USER_AGENT = "docprompts/0.1 (+https://github.com/; first page of a crawl)"


class PreflightError(ValueError):
    """The URL cannot start a crawl: one line for the user."""


@dataclass
class Plan:
    profile: SiteProfile
    detection: Detection | None
    versions: dict[str, str]        # slug -> name, as the page names them ("" = unversioned path)
    public_base_url: str
    fetch_base_url: str
    aliases: dict[str, str] = dataclasses.field(default_factory=dict)   # "stable" -> "1.4" (host's list)
    stated: dict[str, str] = dataclasses.field(default_factory=dict)    # alias path -> version its pages state
    browser_reason: str | None = None   # why the site's pages need a browser (None: the HTML holds the text)
    hash_routes: bool = False           # its pages are #/ routes (Docsify, a hash-routed app)


def is_url(value: str | None) -> bool:
    return bool(value) and re.match(r"^https?://", value, re.I) is not None


def fetch(url: str, timeout: float = 20) -> tuple[str, str]:
    """(final URL, HTML text) of a page, or one clear error line."""
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            content_type = response.headers.get("Content-Type", "")
            body = response.read(20_000_000)
            final = response.geturl()
    except urllib.error.HTTPError as error:
        raise PreflightError(f"cannot fetch {url}: HTTP {error.code}") from None
    except (urllib.error.URLError, OSError) as error:
        raise PreflightError(f"cannot reach {url}: {getattr(error, 'reason', error)}") from None
    if content_type and "html" not in content_type.lower():
        raise PreflightError(f"{url} is not HTML (Content-Type: {content_type})")
    from crawler.page.charset import decode_html

    return final, decode_html(body, _charset(content_type))[0]


def _charset(content_type: str) -> str:
    match = re.search(r"charset=([\w.-]+)", content_type, re.I)
    return match.group(1) if match else "utf-8"


def plan_crawl(url: str, site_or_profile: str | None = None, fetch_base_url: str | None = None) -> Plan:
    """The profile and versions for crawling the site of ``url`` (fetched from
    ``fetch_base_url`` when given: a mirror; record URLs keep ``url``'s host)."""
    parts = urlsplit(url)
    if not parts.hostname:
        raise PreflightError(f"not a URL with a host: {url!r}")
    public_base = f"{parts.scheme}://{parts.netloc}"
    fetch_base = (fetch_base_url or public_base).rstrip("/")
    entry_path = parts.path or "/"
    route = route_of(parts.fragment)   # a client-side route (/docs/#/quickstart) is the page asked for
    final_url, html_text = fetch(fetch_base + entry_path + (f"?{parts.query}" if parts.query else ""))
    doc = parse_served(html_text)   # parsed once: a 20 MB page takes seconds
    for _ in range(3):   # a site root that only redirects (mike's "/", Read the Docs' "/")
        target = redirect_target(doc, urlsplit(final_url).path)
        if target is None:
            break
        entry_path = target
        final_url, html_text = fetch(fetch_base + target)
        doc = parse_served(html_text)
    detection = None
    scoped_by_site = False
    own_site = shipped_for_host(parts.hostname)
    browser_reason = needs_browser(doc, fetch_base + entry_path, route)
    if route is not None and browser_reason:
        entry_path = with_route(entry_path, route)
    if site_or_profile:
        profile = point_at(load_site(site_or_profile), entry_path, public_base)
    elif own_site is not None:   # kafka.apache.org: its own profile (and entry), not a generic one
        profile = own_site
    else:
        detection = detect_generator(html_text, doc)
        profile = load_site(detection.profile)
        page_path = hooks_for(profile).canonical_path(urlsplit(final_url).path)
        prefix = versions_json_above(fetch_base, page_path, profile)
        if prefix:   # mike deployed below the site's root: /docs/versions.json, /docs/<v>/...
            profile = under_prefix(profile, prefix)
            detection = dataclasses.replace(detection, evidence=detection.evidence + (
                f"; versions listed in {prefix}/versions.json"))
        if not profile.kinds_for(page_path):   # e.g. a Sphinx site that is not under /en/<version>/
            profile = with_layout_of(profile)
            detection = dataclasses.replace(detection, evidence=detection.evidence + (
                f"; {page_path} is outside the {detection.profile} profile's version paths: one "
                f"version, read with its layout"))
        scoped_by_site = profile.name in SCOPED_BY_SITE and not profile.allow
        profile = point_at(profile, entry_path, public_base)
    if scoped_by_site:   # its scope grows from the site's own lists, judged by this page's layout
        layout = scope.layout_signature(doc, profile.page_kinds[0].content_roots) or ""
        # Started at the root (the home page, an mdBook chapter at /): the scope is that page,
        # then each area the site lists, judged; never the whole host at once (translations,
        # other versions' folders and a blog would come in unjudged).
        allow = (scope.area_pattern(scope.area_of(entry_path)),) if layout else profile.allow
        profile = dataclasses.replace(profile, layout=layout, allow=allow)
    versions = page_versions(doc, final_url, profile)
    if profile.versions.versions_json:
        versions.update(json_versions(fetch_base + profile.versions.versions_json, profile))
    routed = route is not None or is_docsify(doc) or bool(doc.xpath('//a[starts-with(@href, "#/")]'))
    plan = Plan(profile, detection, versions, public_base, fetch_base,
                browser_reason=browser_reason, hash_routes=routed)
    if not versions:
        versions_without_menu(plan, doc, fetch_base + urlsplit(final_url).path)
    return plan


def versions_without_menu(plan: Plan, doc, page_url: str) -> None:
    """No version menu on the entry page: the site's own lists (Read the Docs' add-ons API,
    pydata's version switcher), else the entry's alias path (``/en/stable/``) as one version with the version its pages state.
    The spider finds the same (crawler/site/versionsources.py)."""
    hooks = hooks_for(plan.profile)
    for kind, path in versionsources.host_lists(doc, page_url):
        host = versionsources.host_versions(kind, fetch_text(plan.fetch_base_url + path), hooks.slug_of_url,
                                            plan.profile.versions.aliases)
        if host is not None:
            plan.versions.update(host.versions)
            plan.aliases.update(host.aliases)
            plan.stated.update(host.stated)
            return
    alias = hooks.slug_of_url(page_url)
    if alias is None or alias not in plan.profile.versions.aliases:
        return
    plan.versions[alias] = alias
    stated = versionsources.stated_version(doc)
    script = versionsources.options_script_url(doc, page_url)
    stated = stated or (versionsources.options_version(fetch_text(script)) if script else None)
    if stated:
        plan.stated[alias] = stated


def fetch_text(url: str) -> str:
    """A small text resource (JSON, a script) or "" when it cannot be had: optional evidence."""
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers={"User-Agent": USER_AGENT}),
                                    timeout=20) as response:
            return response.read(5_000_000).decode("utf-8", "replace")
    except (urllib.error.URLError, OSError, ValueError):
        return ""


def needs_browser(doc, page_url: str, route: str | None) -> str | None:
    """Why the entry page's text needs a browser, or None. For Docsify the page's own Markdown
    source is fetched too: the words it holds against the words the HTML shows."""
    reason = reason_of(doc)
    if reason and is_docsify(doc):
        folder = split_route(page_url)[0].rsplit("/", 1)[0] + "/"
        page = (route or "/").strip("/")
        source = folder + (f"{page}.md" if page and not page.endswith("/") else f"{page}README.md")
        markdown = fetch_text(source)
        if not markdown:
            return reason
        evidence = far_less_than_source(len(visible_words(doc)), len(markdown.split()))
        reason += f"; {evidence}" if evidence else ""
    return reason


def site_plan(profile: SiteProfile, fetch_base_url: str) -> Plan:
    """The versions a profile's entry page names (and its versions.json), for a crawl by site
    name or ``--profile``."""
    final_url, html_text = fetch(fetch_base_url + profile.entry)
    versions = page_versions(parse_served(html_text), final_url, profile)
    if profile.versions.versions_json:
        versions.update(json_versions(fetch_base_url + profile.versions.versions_json, profile))
    return Plan(profile, None, versions, profile.public_base_url or fetch_base_url, fetch_base_url)


def redirect_target(doc, page_path: str) -> str | None:
    """Where a page (parsed) that only redirects (script, meta refresh) sends the visitor, as a
    path; None for a page with content. The stub's single link is the target when its script is
    not one ``discovery`` reads (mike's ``window.location.replace("latest/" + ...)``)."""
    from crawler.site import discovery

    stub = discovery.redirect_stub(doc, page_path)
    if stub is None:
        return None
    target = stub[1]
    if target is None:
        hrefs = [href for href in doc.xpath("//body//a/@href") if not href.startswith("#")]
        if len(hrefs) != 1:
            return None
        target = hrefs[0]
    path = urlsplit(urljoin(page_path, target)).path
    return path if path != page_path else None


def shipped_for_host(host: str) -> SiteProfile | None:
    from crawler.site.sites import builtin_profiles

    for profile in builtin_profiles().values():
        if profile.public_base_url and urlsplit(profile.public_base_url).hostname == host:
            return profile
    return None


def with_layout_of(profile: SiteProfile) -> SiteProfile:
    """The generic profile (one version, the URL's first folder) reading pages the way
    ``profile`` does (its content roots, boilerplate and section levels; trafilatura's root
    where those are not found)."""
    generic = load_site(GENERIC_PROFILE)
    layout = profile.page_kinds[0]
    kind = dataclasses.replace(generic.page_kinds[0], content_roots=layout.content_roots,
                               strip=layout.strip, section_levels=layout.section_levels)
    return dataclasses.replace(generic, page_kinds=(kind,), description=f"{profile.name} layout, one version")


def versions_json_above(fetch_base: str, page_path: str, profile: SiteProfile) -> str | None:
    """The folder above the page's version folder that holds the versions list, when the
    profile reads one (mike's versions.json) and the site is not at the host's root:
    ``/docs/1.1/guide/`` with ``/docs/versions.json`` listing 1.1 -> "/docs". None otherwise
    (the root's list names the page's first folder, or no list is found)."""
    listed = profile.versions.versions_json
    segments = [segment for segment in page_path.split("/") if segment]
    if not listed or len(segments) < 2 or listed.count("/") != 1:
        return None
    for depth in range(0, len(segments) - 1):
        folder = "".join(f"/{segment}" for segment in segments[:depth])
        entries, error = discovery.parse_versions_json(fetch_text(fetch_base + folder + listed) or "null")
        names = set(entries) | {alias for aliases in entries.values() for alias in aliases}
        if not error and segments[depth] in names:
            return folder or None
    return None


def under_prefix(profile: SiteProfile, prefix: str) -> SiteProfile:
    """The profile moved below ``prefix`` ("/docs"): its anchored path patterns, versions
    list, seeds and scope."""
    def moved(pattern: LinearRegex) -> LinearRegex:
        return LinearRegex("^" + re.escape(prefix) + pattern.pattern[1:]) if pattern.pattern.startswith("^/") \
            else pattern

    rules = profile.versions
    versions = dataclasses.replace(
        rules, url_pattern=moved(rules.url_pattern), versions_json=prefix + rules.versions_json,
        seeds=tuple(prefix + seed for seed in rules.seeds),
        optional_seeds=tuple(prefix + seed for seed in rules.optional_seeds))
    kinds = tuple(dataclasses.replace(kind, path_pattern=moved(kind.path_pattern)) for kind in profile.page_kinds)
    return dataclasses.replace(profile, versions=versions, page_kinds=kinds,
                               allow=tuple(moved(pattern) for pattern in profile.allow) or (moved(LinearRegex("^/")),))


def point_at(profile: SiteProfile, entry_path: str, public_base: str) -> SiteProfile:
    """The profile with the URL's page as its entry, the URL's host for record URLs and as the
    site's name (records' ``site`` and ``source``). A
    profile that assumes no docs folder (generic, docsy) gets the URL's first folder as its
    scope (``/guide/intro.html`` -> ``/guide/``; the whole site for a page at the root)."""
    host = urlsplit(public_base).netloc.lower()
    # Named after the site, not the generator: records say which site they come from, and two
    # Docusaurus sites crawled with one --state DIR keep separate states.
    changes: dict = {"entry": entry_path, "public_base_url": public_base,
                     "name": re.sub(r"[^a-z0-9]+", "-", host).strip("-") or profile.name,
                     "source": re.sub(r"[^a-z0-9]+", "_", host).strip("_") or profile.source}
    if profile.name in SCOPED_BY_SITE and not profile.allow:   # (the shipped name, before renaming)
        path = split_route(entry_path)[0]   # "/docs/#/guide": the folder is /docs/
        first = path.strip("/").split("/")[0] if path.count("/") > 1 else ""
        changes["allow"] = (re.compile("^/" + (re.escape(first) + "(?:/|$)" if first else "")),)
    return dataclasses.replace(profile, **changes)


def page_versions(doc, page_url: str, profile: SiteProfile) -> dict[str, str]:
    """{slug: name} of the versions a page names (its own included), as the spider reads them."""
    hooks = hooks_for(profile)
    found = hooks.version_links(doc, page_url)
    own = hooks.current_version(doc, page_url)
    if own and own not in profile.versions.aliases and not profile.versions.unversioned:
        found.setdefault(own, hooks.slug_to_version(own))
    return found


def json_versions(url: str, profile: SiteProfile) -> dict[str, str]:
    """mike's versions.json, when the site has one (absent or odd: nothing, the spider reports)."""
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers={"User-Agent": USER_AGENT}),
                                    timeout=20) as response:
            entries = json.loads(response.read(5_000_000))
        return {str(entry["version"]): hooks_for(profile).slug_to_version(str(entry["version"]))
                for entry in entries}
    except (urllib.error.URLError, OSError, ValueError, TypeError, KeyError):
        return {}


def check_requested_versions(requested, plan: Plan) -> None:
    """``--versions`` names that the site does not have: an error now, before any output.
    Sites whose plugin probes for releases newer than the menu lists (Kafka) are checked at
    the end of the crawl instead."""
    if not isinstance(requested, set) or hooks_for(plan.profile)._hook("successor_slugs"):
        return
    aliases = {alias.casefold() for alias in (*plan.profile.versions.aliases, *plan.aliases)}
    unknown = sorted(name for name in requested if name.casefold() not in aliases
                     and not any(matches_request({name}, slug, version) for slug, version in plan.versions.items()))
    if unknown:
        names = ", ".join(describe_versions(plan)) or "none"
        raise PreflightError(f"unknown version(s) {', '.join(unknown)}; the site has {names}")


def describe_versions(plan: Plan) -> list[str]:
    from output.records import version_sort_key

    def describe(slug: str, name: str) -> str:
        notes = []
        if slug == UNVERSIONED and plan.profile.versions.unversioned:
            notes.append("unversioned path")
        elif slug != name:
            notes.append(f"slug {slug}")
        if slug in plan.profile.versions.aliases:
            notes.append("alias path" + (f"; its pages state {plan.stated[slug]}" if slug in plan.stated else ""))
        notes += [f"also {alias}" for alias, target in sorted(plan.aliases.items()) if target == slug]
        return name + (f" ({', '.join(notes)})" if notes else "")

    ordered = sorted(plan.versions.items(), key=lambda item: version_sort_key(item[1]), reverse=True)
    return [describe(slug, name) for slug, name in ordered]


def announce(plan: Plan) -> list[str]:
    """The lines ``docprompts crawl URL`` prints before crawling."""
    lines = []
    if plan.detection is not None:
        detection = plan.detection
        generator = detection.generator + (f" {detection.version}" if detection.version else "")
        lines.append(f"docprompts: detected {generator} ({detection.evidence}): profile {detection.profile} "
                     f"(site {plan.profile.name})")
        if not detection.known:
            lines.append("docprompts: warning: no shipped profile for this site's layout; the generic "
                         "profile reads each page's main content as trafilatura finds it (check the "
                         "output, or write a profile: see README 'Add your own site')")
    else:
        lines.append(f"docprompts: profile {plan.profile.path or plan.profile.name} (given; site {plan.profile.name})")
    lines.append(f"docprompts: versions on {plan.profile.entry}: {', '.join(describe_versions(plan)) or 'none'}")
    if plan.browser_reason:
        lines.append(f"docprompts: its pages need a browser: {plan.browser_reason}")
    return lines
