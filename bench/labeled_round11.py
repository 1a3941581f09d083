"""Labeled cases from the eleventh round's sources (see ``labeled_cases.py``): the held-out set.

RuleTester suites no earlier round labeled, read from the search tool's snapshots
(``MIRROR/<owner>+<name>/repo``):

- microsoft/eslint-plugin-sdl (MIT; the seventh round labeled only ``no-inner-html`` and
  ``no-document-write``): ``no-html-method`` (SEC009: jQuery ``$(...).html(x)``),
  ``no-winjs-html-unsafe`` (SEC009: WinJS ``setInnerHTMLUnsafe`` and its kin write raw HTML),
  ``no-angular-bypass-sanitizer`` (SEC009: Angular's ``bypassSecurityTrust*``).
- jsx-eslint/eslint-plugin-react (MIT): ``no-danger`` and ``no-danger-with-children`` (SEC009:
  ``dangerouslySetInnerHTML``).

Labeled as the seventh round's ESLint suites (``labeled_round7_code.py``): a case with
``options`` is left out; a bad case only when the sink gets a non-constant value (the checks
flag ``$('p').html('XSS')`` and ``__html: ""`` too: constants are outside SEC009's injected
markup); a good case must name the rule's subject and must not itself give a sink a
non-constant value. ``no-danger-with-children`` flags children next to the prop, not raw HTML:
its invalid cases are left out and its valid ones are SEC009 cases like any other.
Out: ``no-msapp-exec-unsafe`` (runs a function with WinJS's checks off: no markup in the
snippet), ``no-angularjs-bypass-sce`` (``$sce.trustAs*`` is not among SEC009's sinks; every
bad case is a constant), vuejs/eslint-plugin-vue ``no-v-html`` (``.vue`` files are no language
countersign reads; its valid cases without ``options`` name no ``v-html``).
The mapping and filters were decided from the tests' files and countersign's rule definitions
before countersign ran on any of these cases.
"""

from __future__ import annotations

import argparse
import re
import textwrap
from collections.abc import Iterator
from pathlib import Path

from ast_grep_py import SgRoot

from labeled_cases import Case, Repo
from labeled_round4 import _element_code
from labeled_round7_code import _dynamic_sink

SDL11 = Repo("microsoft/eslint-plugin-sdl", "MIT")
REACT11 = Repo("jsx-eslint/eslint-plugin-react", "MIT")
JS = "javascript"
HTML_CONSTANT = re.compile(r"__html\s*:\s*(\"[^\"]*\"|'[^']*'|`[^`$]*`)\s*\}")
TESTS = {  # (repo, RuleTester file) -> (sink a bad case must give a non-constant value,
    #                                     subject a good case must name, bad cases used)
    (SDL11, "tests/lib/rules/no-html-method.js"): (
        r"^(\$|jQuery)\(.*\)\.html$", r"\.html\b", True),
    (SDL11, "tests/lib/rules/no-winjs-html-unsafe.js"): (
        r"^WinJS\.Utilities\.(insertAdjacentHTMLUnsafe|setInnerHTMLUnsafe|setOuterHTMLUnsafe)$",
        r"HTMLUnsafe", True),
    (SDL11, "tests/lib/rules/no-angular-bypass-sanitizer.js"): (
        r"\.bypassSecurityTrust(Html|Script|Url|ResourceUrl|Style)$", r"(?i)bypassSecurityTrust",
        True),
    (REACT11, "tests/lib/rules/no-danger.js"): ("", r"dangerouslySetInnerHTML", True),
    (REACT11, "tests/lib/rules/no-danger-with-children.js"): (
        "", r"dangerouslySetInnerHTML", False),
}


def round11(mirror: Path, _: argparse.Namespace) -> Iterator[Case]:
    seen: set[str] = set()
    for (repo, test), (sink, subject, use_bad) in TESTS.items():
        repo.open(mirror)
        name = test.rsplit("/", 1)[1].removesuffix(".js")
        prefix = "sdl11" if repo is SDL11 else "react11"
        for label, code in _tester_cases(repo.show(test)):
            dynamic = _dynamic(sink, code)
            keep = (use_bad and dynamic) if label == "bad" else (
                not dynamic and re.search(subject, code) is not None)
            if not keep or code in seen:
                continue
            seen.add(code)
            path = "src/app/view.jsx" if "<" in code else "src/app/view.js"
            yield Case(JS, ("SEC009",), path, code, label, repo, test, f"{prefix}:{name}")


def _dynamic(sink: str, code: str) -> bool:
    """Whether the snippet gives the sink a non-constant value (for React: an ``__html`` that
    is not a string literal)."""
    if not sink:
        return "__html" in code and len(re.findall(r"__html\s*:", code)) != len(
            HTML_CONSTANT.findall(code))
    return _dynamic_sink(code, re.compile(sink), False)


def _tester_cases(text: str) -> Iterator[tuple[str, str]]:
    """(label, code) of each element of ``valid`` / ``invalid``, a plain array or one wrapped
    in a call (eslint-plugin-react's ``parsers.all([...])``)."""
    root = SgRoot(text, "javascript").root()
    for pair in root.find_all(kind="pair"):
        key, value = pair.field("key"), pair.field("value")
        if key is None or value is None or key.text() not in ("valid", "invalid"):
            continue
        if value.kind() == "call_expression":
            arguments = value.field("arguments")
            arrays = [] if arguments is None else [
                a for a in arguments.children() if a.kind() == "array"]
            value = arrays[0] if arrays else value
        if value.kind() != "array":
            continue
        for element in value.children():
            code = _element_code(element)
            if code is not None and code.strip():
                yield "good" if key.text() == "valid" else "bad", textwrap.dedent(code).strip()


SOURCES = {"round11": round11}
