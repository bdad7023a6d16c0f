# Sphinx configuration for the tidewater 1.4 documentation (test fixture).
#
# One set of sources, built with several HTML themes by tests/sites/build_sites.py:
# the theme comes from the environment (DOCS_THEME), as a project switching themes would
# change one line here.
import os
import sys

sys.path.insert(0, os.path.abspath("."))   # tidewater.py, for autodoc and viewcode

project = "tidewater"
author = "The Tidewater Authors"
copyright = "2024-2025, The Tidewater Authors"
version = "1.4"
release = "1.4.2"

extensions = ["sphinx.ext.autodoc", "sphinx.ext.viewcode"]
exclude_patterns = ["_build"]
root_doc = "index"
language = "en"

html_theme = os.environ.get("DOCS_THEME", "alabaster")
html_static_path = []
html_last_updated_fmt = None
html_theme_options = {}
if html_theme == "pydata_sphinx_theme":
    # The version switcher reads the project's own list of versions (_static/switcher.json).
    html_static_path = ["_static"]
    html_theme_options = {
        "navigation_with_keys": False, "show_toc_level": 2,
        "navbar_end": ["version-switcher", "navbar-icon-links"],
        "switcher": {"json_url": "https://tidewater.readthedocs.io/en/latest/_static/switcher.json",
                     "version_match": version},
    }
if html_theme == "sphinx_rtd_theme":
    html_theme_options = {"navigation_depth": 3, "collapse_navigation": False}
rtd_version = os.environ.get("READTHEDOCS_VERSION")
if rtd_version:
    html_baseurl = f"https://tidewater.readthedocs.io/en/{rtd_version}/"
