"""The profiles shipped with docprompts: one TOML file each in this folder (plus a hook module
where a site needs code). ``load_site`` takes a shipped name or a path to a user's own file."""
from __future__ import annotations

from pathlib import Path

from ..profiles import ProfileError, SiteProfile, load_profile

SITES_DIR = Path(__file__).parent


def builtin_profiles() -> dict[str, SiteProfile]:
    return {path.stem: load_profile(path) for path in sorted(SITES_DIR.glob("*.toml"))}


def load_site(name_or_path: str) -> SiteProfile:
    path = Path(name_or_path)
    if path.suffix == ".toml" or path.exists():
        return load_profile(path)
    shipped = SITES_DIR / f"{name_or_path}.toml"
    if not shipped.exists():
        names = ", ".join(sorted(p.stem for p in SITES_DIR.glob("*.toml")))
        raise ProfileError(f"unknown site {name_or_path!r}: choose one of {names}, or --profile FILE")
    return load_profile(shipped)


KAFKA = load_site("kafka")
