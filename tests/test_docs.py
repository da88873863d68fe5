"""The documentation builds without a warning (the gallery is not executed here)."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"

pytest.importorskip("sphinx")
pytest.importorskip("sphinx_gallery")
pytest.importorskip("numpydoc")
pytest.importorskip("pydata_sphinx_theme")


@pytest.mark.timeout(600)
def test_docs_build_without_warnings(tmp_path):
    if not (DOCS / "conf.py").exists():
        pytest.skip("no docs/ in this installation")
    src = tmp_path / "docs"
    shutil.copytree(DOCS, src, ignore=shutil.ignore_patterns("_build", "gen_modules",
                                                             "auto_examples"))
    # sphinx-gallery reads ../examples relative to the copied docs
    shutil.copytree(DOCS.parent / "examples", tmp_path / "examples")
    env = {**os.environ, "SKCOMPLEXITY_DOCS_FAST": "1", "MPLBACKEND": "Agg"}
    # document this checkout's package, not whichever copy happens to be installed
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(DOCS.parent), os.environ.get("PYTHONPATH", "")) if p)
    proc = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html", str(src),
         str(tmp_path / "html")],
        capture_output=True, text=True, env=env, cwd=src,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert (tmp_path / "html" / "api.html").exists()
