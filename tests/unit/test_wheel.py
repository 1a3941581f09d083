"""An installed wheel links diagnostics to the rule reference it ships inside the package."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path
from urllib.parse import unquote, urlparse

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import countersign
from countersign.core.diagnostics import rule_href
from countersign.core.rulepack import load_builtin
from countersign.core.rulesdoc import default_href
rule = {r.id: r for r in load_builtin()[0]}["DAT002"]
print(countersign.__file__)
print(rule_href(rule, default_href()))
"""


def test_rule_links_of_an_installed_wheel_point_at_a_shipped_file(tmp_path: Path) -> None:
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path / "dist"),
         str(ROOT)], capture_output=True, text=True)
    assert built.returncode == 0, built.stdout + built.stderr
    [wheel] = (tmp_path / "dist").glob("countersign-*.whl")
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)

    probe = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                           env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"}, cwd=tmp_path,
                           check=True)
    module, href = probe.stdout.split()
    assert Path(module).is_relative_to(site)  # the wheel's copy, not the source checkout
    link = urlparse(href)
    target = Path(unquote(link.path))
    assert link.scheme == "file" and link.fragment == "dat002"
    assert target == site / "countersign" / "docs" / "rules-reference.md"
    assert '<a id="dat002"></a>' in target.read_text(encoding="utf-8")
