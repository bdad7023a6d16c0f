"""The profiles shipped with docprompts: one TOML file each in this folder (plus a hook module
where a site needs code). ``load_site`` takes a shipped name or a path to a user's own file."""
from __future__ import annotations

from importlib import resources
from pathlib import Path

from crawler.site.profiles import ProfileError, SiteProfile, load_profile, profile_from_dict, tomllib

# importlib.resources, not Path(__file__): the package may be imported from a zip (a Scrapyd egg).
SITES_DIR = resources.files(__package__)


def _shipped_files() -> dict:
    return {entry.name.removesuffix(".toml"): entry for entry in SITES_DIR.iterdir()
            if entry.name.endswith(".toml")}


def _load_shipped(name: str, entry) -> SiteProfile:
    # Known as "shipped:<name>" (not the file's path, which changes with every install or egg),
    # so an incremental state stays valid across upgrades and redeploys.
    try:
        return profile_from_dict(tomllib.loads(entry.read_text(encoding="utf-8")), f"shipped:{name}")
    except (ProfileError, tomllib.TOMLDecodeError) as error:
        raise ProfileError(f"profile {entry}: {error}") from None


def builtin_profiles() -> dict[str, SiteProfile]:
    return {name: _load_shipped(name, entry) for name, entry in sorted(_shipped_files().items())}


def load_site(name_or_path: str) -> SiteProfile:
    path = Path(name_or_path)
    if path.suffix == ".toml" or path.exists():
        return load_profile(path)
    shipped = _shipped_files()
    if name_or_path not in shipped:
        raise ProfileError(f"unknown site {name_or_path!r}: choose one of {', '.join(sorted(shipped))}, "
                           f"or --profile FILE")
    return _load_shipped(name_or_path, shipped[name_or_path])


KAFKA = load_site("kafka")
