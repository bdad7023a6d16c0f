"""A profile's code hooks, with the defaults every declarative profile gets.

A plugin module (``plugin = "kafka"`` -> ``crawler.site.sites.kafka``, or any importable dotted
name) may define any of these functions; what it leaves out falls back to the default here:

    slug_to_version(slug) -> str          "0102" -> "0.10.2" (default: the profile's slug_rewrites)
    version_label(label, slug) -> str     a version link's text ("2.0.X") -> "2.0"
    canonical_path(path) -> str           the one path a page is known by
    entry_version(doc) -> slug | None     the release the entry page documents (= latest)
    successor_slugs(version) -> [slug]    releases to probe beyond the newest listed one
    redirect_map(doc) -> {old: target}    a legacy page's old anchors -> new page paths (#frag)
"""
from __future__ import annotations

import functools
import importlib
import posixpath
import re
from urllib.parse import urlsplit

from crawler.site import discovery
from crawler.site.profiles import ProfileError, SiteProfile
from crawler.site.versionmenu import menu_entries, menu_labels, menu_links, version_name


def default_canonical_path(path: str) -> str:
    """Query and fragment gone, slashes collapsed, ``dir/index.html`` known as ``dir/``."""
    path = re.sub(r"/{2,}", "/", path.split("#")[0].split("?")[0]) or "/"
    trailing = path.endswith("/")
    path = posixpath.normpath(path)
    path = path + "/" if trailing and path != "/" else path
    return path[: -len("index.html")] if path.endswith("/index.html") else path


class SiteHooks:
    def __init__(self, profile: SiteProfile) -> None:
        self.profile = profile
        self.module = None
        if profile.plugin:
            name = profile.plugin if "." in profile.plugin else f"crawler.site.sites.{profile.plugin}"
            try:
                self.module = importlib.import_module(name)
            except ImportError as error:
                raise ProfileError(f"profile {profile.name}: 'plugin' {profile.plugin!r} cannot be "
                                   f"imported ({error})") from None

    def _hook(self, name: str):
        return getattr(self.module, name, None) if self.module else None

    def slug_to_version(self, slug: str) -> str:
        hook = self._hook("slug_to_version")
        if hook:
            return hook(slug)
        for pattern, replacement in self.profile.versions.slug_rewrites:
            if pattern.fullmatch(slug):
                return pattern.sub(replacement, slug)
        return slug

    def version_label(self, label: str, slug: str) -> str:
        hook = self._hook("label_to_version")
        return hook(label, slug) if hook else self.slug_to_version(slug)

    def canonical_path(self, path: str) -> str:
        hook = self._hook("canonical_path")
        return hook(path) if hook else default_canonical_path(path)

    def entry_version(self, doc) -> str | None:
        hook = self._hook("entry_version")
        return hook(doc) if hook else None

    def successor_slugs(self, version: str) -> list[str]:
        hook = self._hook("successor_slugs")
        return hook(version) if hook else []

    def redirect_map(self, doc) -> dict[str, str]:
        hook = self._hook("redirect_map")
        return hook(doc) if hook else {}

    # -- built on the hooks ------------------------------------------------------------------
    def slug_of_url(self, url: str) -> str | None:
        match = self.profile.versions.url_pattern.match(urlsplit(url).path)
        return match.group("slug") if match else None

    def version_links(self, doc, page_url: str) -> dict[str, str]:
        """Versions named by the page's version links: {slug: version}, aliases left out."""
        rules = self.profile.versions
        if rules.unversioned or rules.named_by == "label":   # the menu's own names (versionmenu)
            return {slug: version_name(slug, label, rules, self.slug_to_version)
                    for slug, label in menu_labels(doc, page_url, rules).items()}
        return discovery.version_links(doc, page_url, rules.link_selectors, self.slug_of_url,
                                       self.version_label, rules.aliases)

    def version_entries(self, doc, page_url: str) -> dict[str, str]:
        """{slug: path} of the version menu's links, for profiles that enter each version by
        it (``seeds = []``); empty otherwise."""
        rules = self.profile.versions
        return {} if rules.seeds else menu_entries(menu_links(doc, page_url, rules), rules)

    def current_version(self, doc, page_url: str) -> str | None:
        """The page's own version: the plugin's answer, the menu's current item, or the URL."""
        return discovery.current_version(doc, page_url, self.profile.versions.current_selector,
                                         self.slug_of_url, self.entry_version)


@functools.lru_cache(maxsize=None)
def hooks_for(profile: SiteProfile) -> SiteHooks:
    return SiteHooks(profile)
