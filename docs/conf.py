"""Sphinx configuration of the skcomplexity documentation."""

import os
import sys
import warnings

sys.path.insert(0, os.path.abspath(".."))
import skcomplexity  # noqa: E402

project = "skcomplexity"
author = "skcomplexity developers"
copyright = "2026, skcomplexity developers"
version = release = skcomplexity.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

autosummary_generate = True
autodoc_default_options = {"members": True, "inherited-members": False}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
templates_path = ["_templates"]
exclude_patterns = ["_build", "auto_examples/*.ipynb", "auto_examples/*.py",
                    "auto_examples/*.zip", "auto_examples/*.md5"]

# The gallery executes the examples unless SKCOMPLEXITY_DOCS_FAST=1 (used by the test suite,
# which checks that the site builds without warnings but leaves running the examples to
# tests/test_examples.py).
_fast = os.environ.get("SKCOMPLEXITY_DOCS_FAST", "0") == "1"
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "plot_gallery": "False" if _fast else "True",
    "download_all_examples": False,
    "within_subsection_order": "FileNameSortKey",
    "remove_config_comments": True,
}

html_theme = "pydata_sphinx_theme"
html_title = "skcomplexity"
html_static_path = ["_static"]
html_theme_options = {"navigation_with_keys": False, "show_toc_level": 2}

warnings.filterwarnings("ignore", category=UserWarning, message="Matplotlib is currently using agg")
