# Sphinx configuration for the streamlet-py 2.0 documentation (test fixture).
#
# Read the Docs builds every version from its own branch and passes the
# version being built through environment variables; tests/sites/build_sites.py
# sets the same variables so the output matches a Read the Docs build.
import json
import os

project = "streamlet-py"
author = "The Streamlet Authors"
copyright = "2023-2024, The Streamlet Authors"
version = "2.0"
release = "2.0.4"

extensions = []
templates_path = ["_templates"]
exclude_patterns = ["_build"]
root_doc = "index"
language = "en"
pygments_style = "sphinx"

html_theme = "sphinx_rtd_theme"
html_theme_options = {
    "navigation_depth": 3,
    "collapse_navigation": False,
}
html_static_path = []
html_last_updated_fmt = None

# What Read the Docs injects at build time: the slug being built and the
# list of active versions (rendered by _templates/versions.html).
rtd_version = os.environ.get("READTHEDOCS_VERSION", version)
html_baseurl = f"https://streamlet-py.readthedocs.io/en/{rtd_version}/"
html_context = {
    "current_version": rtd_version,
    "versions": json.loads(os.environ.get("DOCS_VERSIONS", "[]")),
    "downloads": [],
    "slug": "streamlet-py",
}
