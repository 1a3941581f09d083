"""Labeled cases from the tenth round's sources (see ``labeled_cases.py``): the held-out set.

Parts of two public test suites no earlier round read (no file of ``SNAPSHOTS/*/MANIFEST.tsv``
of an earlier round), read file by file with the search tool's ``read_file`` (both
repositories are over the fetch limit) into ``SNAPSHOTS/codeql10`` and ``SNAPSHOTS/kics10``,
each with a ``MANIFEST.tsv`` naming every file's commit:

- github/codeql (MIT), JavaScript query tests: ``CWE-079/DomBasedXss/{jquery,sanitiser,dates,
  optionalSanitizer,classnames}.js``, ``CWE-079/XssThroughDom/xss-through-dom.js``,
  ``CWE-079/UnsafeHtmlConstruction/main.js`` (SEC009), ``CWE-078/CommandInjection/{other,
  command-line-libs,third-party-command-injection,promisification,form-parsers}.js``,
  ``CWE-078/IndirectCommandInjection/command-line-parameter-command-injection.js`` (SEC002),
  ``CWE-094/CodeInjection/express.js`` and ``lib/index.js`` (SEC001). Read as the eighth round's
  JavaScript (``labeled_round8.py``): each innermost one-line statement labeled by its trailing
  comment or a label-only comment line above it (``$ Alert``, ``$ MISSING: Alert``, ``NOT OK``:
  bad; ``$ SPURIOUS: Alert``, ``OK``: good), the file's one-line ``require`` declarations and
  the one-line ``import`` statements whose names it uses above it; a bad one must call the
  rule's sink with a non-constant value, a good one name the rule's subject and pass constants,
  show its sanitizer or reach no shell; a statement text labeled both ways is left out. SEC009's
  sinks are the eighth round's (``innerHTML``, ``outerHTML``, ``document.write``,
  ``insertAdjacentHTML``, jQuery ``$(...).html``); ``$(html)`` itself, ``cash(...).html``,
  ``WinJS``'s ``setInnerHTMLUnsafe`` and attribute writes are left out. SEC001's sinks are
  ``eval``, ``new Function`` and node's ``vm`` entry points that compile a string
  (``vm.runIn*Context``, ``vm.compileFunction``, ``new vm.Script``, ``new vm.SourceTextModule``:
  dynamic code as SEC001 defines it); ``node -e`` through ``execFile`` and a pty's ``write`` are
  out (a program's argument, not a code sink). SEC002's are the eighth round's (``exec``,
  ``execSync``, ``execa.shell``, a literal ``shell: true``; a promisified ``child_process``'s
  ``exec``): ``cross-spawn``, ``execa(cmd)`` and other wrappers that run no local shell are out,
  and so is an ssh client's ``exec(cmd)`` (a command for another machine).
- Checkmarx/kics (Apache-2.0), queries no round read: Azure ``role_definition_allows_custom_
  role_creation`` (INF004: only ``actions = ["*"]`` is inside the definition; the positive
  granting ``roleDefinitions/write`` by name is left out), GCP ``bigquery_dataset_is_public``
  (INF005: ``allUsers`` / ``allAuthenticatedUsers``), AWS ``efs_with_vulnerable_policy`` and
  ``secrets_manager_with_vulnerable_policy`` (INF004 and INF005: both flag a wildcard in the
  action or the principal), ``s3_bucket_access_to_any_principal`` and ``s3_bucket_allows_put_
  action_from_all_principals`` (the same two rules); GCP ``kms_crypto_key_publicly_accessible``
  (INF005), AWS ``cloudwatch_logs_destination_with_vulnerable_policy`` (INF004: its positive
  names an account, not everyone) and ``glue_with_vulnerable_policy`` (both), read whole-file
  (below). Labeled as the ninth round's kics cases (``labeled_round9.py``,
  its version-mismatch guard included): a wildcard in ``Deny`` or under a ``Condition`` is safe.

Which checks map to which countersign rule, and the filters, were decided from the tests'
names and files and countersign's rule definitions before countersign ran on any of these
cases.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable, Iterator
from pathlib import Path

from labeled_cases import Case, Repo
from labeled_iac import IAM
from labeled_round7_code import _dynamic_sink
from labeled_round7_kics import Snapshot
from labeled_round8 import JS_HTML, JS_SHELL, SANITIZED, _consistent, _js_statements, _keep
from labeled_round8_kics import query_blocks
from labeled_round9 import _action, _either, _judge, _named

CODEQL10 = Repo("github/codeql", "MIT")
KICS10 = Repo("Checkmarx/kics", "Apache-2.0")
JS = "javascript"
JS_TEST = "javascript/ql/test/query-tests/Security"
JS_CODE = (r"^(new )?((window|globalThis|global|self)\.)?(eval|Function)$"
           r"|^(vm|require\([\"'](node:)?vm[\"']\))\.(runIn(New|This)?Context|compileFunction"
           r"|Script|SourceTextModule)$")
"""SEC001: ``eval``, ``Function``, and node's ``vm`` functions that compile a string."""
CODE_SUBJECT = re.compile(r"\beval\(|\bFunction\(|\bvm\.\w+")
XSS, SHELL = f"{JS_TEST}/CWE-079", f"{JS_TEST}/CWE-078"
JS_TESTS = {  # test file -> (countersign rule, sink: a callee or an assigned property)
    f"{XSS}/DomBasedXss/jquery.js": ("SEC009", JS_HTML),
    f"{XSS}/DomBasedXss/sanitiser.js": ("SEC009", JS_HTML),
    f"{XSS}/DomBasedXss/dates.js": ("SEC009", JS_HTML),
    f"{XSS}/DomBasedXss/optionalSanitizer.js": ("SEC009", JS_HTML),
    f"{XSS}/DomBasedXss/classnames.js": ("SEC009", JS_HTML),
    f"{XSS}/XssThroughDom/xss-through-dom.js": ("SEC009", JS_HTML),
    f"{XSS}/UnsafeHtmlConstruction/main.js": ("SEC009", JS_HTML),
    f"{SHELL}/CommandInjection/other.js": ("SEC002", JS_SHELL),
    f"{SHELL}/CommandInjection/command-line-libs.js": ("SEC002", JS_SHELL),
    f"{SHELL}/CommandInjection/third-party-command-injection.js": ("SEC002", JS_SHELL),
    f"{SHELL}/CommandInjection/promisification.js": ("SEC002", JS_SHELL),
    f"{SHELL}/CommandInjection/form-parsers.js": ("SEC002", JS_SHELL),
    f"{SHELL}/IndirectCommandInjection/command-line-parameter-command-injection.js": (
        "SEC002", JS_SHELL),
    f"{JS_TEST}/CWE-094/CodeInjection/express.js": ("SEC001", JS_CODE),
    f"{JS_TEST}/CWE-094/CodeInjection/lib/index.js": ("SEC001", JS_CODE),
}
"""Read and not saved (nothing inside the definitions, or a single case): ``DomBasedXss/
{translate,tst3,winjs,encodeuri,stored-xss,trusted-types,typeahead}.js`` (attribute writes,
``WinJS``, ``$(html)``, Trusted Types policies, a returned value, unlabeled non-constant sinks),
``CommandInjection/{exec-sh,execa,execSeries}.js`` (``spawn`` of a computed shell, execa's
``$`` template tag, an arrow's body), ``IndirectCommandInjection/actions.js`` (``@actions/exec``
runs no shell), ``CodeInjection/template-sinks.js`` (template compilation, not SEC001's sinks),
``CodeInjection/react-native.js`` (a WebView property), ``CodeInjection/fastify.js`` (its
``eval`` calls sit in ``if`` statements: no one-line statement), ``DomBasedXss/angular2-client.ts``
(Angular's ``bypassSecurityTrustHtml``, not among the eighth round's sinks)."""
SSH = re.compile(r"\bssh2\b|\bSSH2")
JQUERY_HTML = re.compile(r"\$\([^()]*\)\.html\(")
IMPORT = re.compile(r"^import\s+(.+?)\s+from\s+['\"][^'\"]+['\"];?$")


def codeql10(_: Path, args: argparse.Namespace) -> Iterator[Case]:
    snapshot = Snapshot(Path(args.snapshots) / "codeql10")
    CODEQL10.path, CODEQL10.commit = snapshot.root, "see MANIFEST.tsv"
    for test, (rule, sink) in JS_TESTS.items():
        if test not in snapshot.commits:
            continue
        group = f"codeql10:{test.split('/')[6]}"
        source = f"{test}@{snapshot.commits[test]}"
        text = snapshot.show(test)
        imports = [line for line in text.splitlines() if IMPORT.match(line)]
        for label, code in _consistent(list(_js_statements(text))):
            body = code.splitlines()[-1]
            if _left_out(body) or not _keep10(rule, sink, label, body):
                continue
            yield Case(JS, (rule,), "src/app/view.js", _with_imports(imports, code),
                       "good" if label == "none" else label, CODEQL10, source, group)


def _left_out(body: str) -> bool:
    """An ssh client's ``exec`` (a remote command), or ``.html(...)`` of a receiver that is not
    jQuery's ``$(...)`` (``cash(...)``: its sink is not one SEC009's cases here name)."""
    return SSH.search(body) is not None or ".html(" in JQUERY_HTML.sub("", body)


def _keep10(rule: str, sink: str, label: str, body: str) -> bool:
    """``labeled_round8._keep``, with SEC001's subject added."""
    if rule != "SEC001":
        return _keep(rule, sink, label, body)
    dynamic = _dynamic_sink(body, re.compile(sink), False)
    if label == "bad":
        return dynamic
    return CODE_SUBJECT.search(body) is not None and (
        not dynamic or (label != "none" and SANITIZED.search(body) is not None))


def _with_imports(imports: list[str], code: str) -> str:
    """The file's one-line imports binding a name the statement uses, above the code."""
    body = code.splitlines()[-1]
    used = [line for line in imports if any(
        re.search(rf"(?<![\w$.]){re.escape(name)}\b", body)
        for name in re.findall(r"[A-Za-z_$][\w$]*", IMPORT.match(line).group(1))  # type: ignore[union-attr]
        if name not in ("as", "default"))]
    return "\n".join([*used, code])


EVERYONE = re.compile(r'(?i)\bprincipal"?\s*[:=]\s*(\{\s*"AWS"\s*:\s*)?\[?\s*["\']\*["\']'
                      r'|\bidentifiers\s*=\s*\[\s*"\*"|"all(Authenticated)?Users"')
AZURE_STAR = re.compile(r'\bactions\s*=\s*\[[^\]]*"\*"')


def _everyone(label: str, code: str) -> bool:
    """INF005 (AWS ``"*"`` principal, GCP ``allUsers`` / ``allAuthenticatedUsers``)."""
    return _judge(label, code, EVERYONE.search(code) is not None)


def _azure_actions(label: str, code: str) -> bool:
    """INF004 for an Azure role definition: ``actions`` holding ``"*"``."""
    return _judge(label, code, AZURE_STAR.search(code) is not None)


TF = "assets/queries/terraform"
QUERIES: dict[str, tuple[tuple[str, ...], Callable[[str, str], bool]]] = {
    # query folder -> (countersign rules, filter)
    f"{TF}/azure/role_definition_allows_custom_role_creation": (("INF004",), _azure_actions),
    f"{TF}/gcp/bigquery_dataset_is_public": (("INF005",), _everyone),
    f"{TF}/aws/efs_with_vulnerable_policy": (("INF004", "INF005"), _either),
    f"{TF}/aws/secrets_manager_with_vulnerable_policy": (("INF004", "INF005"), _either),
    f"{TF}/aws/s3_bucket_access_to_any_principal": (("INF004", "INF005"), _either),
    f"{TF}/aws/s3_bucket_allows_put_action_from_all_principals": (("INF004", "INF005"), _either),
}
FILE_QUERIES: dict[str, tuple[tuple[str, ...], Callable[[str, str], bool]]] = {
    f"{TF}/gcp/kms_crypto_key_publicly_accessible": (("INF005",), _everyone),
    f"{TF}/aws/cloudwatch_logs_destination_with_vulnerable_policy": (("INF004",), _action),
    f"{TF}/aws/glue_with_vulnerable_policy": (("INF004", "INF005"), _either),
}
"""Queries whose flagged line is in a block that references the policy another block of the
file holds (a block alone does not show what is flagged): each positive file an expected
result names is one bad case, each negative file one good case, as regula's inputs whose
resources are judged with their neighbours (same filters).
The two S3 queries give good cases only: every stored positive restricts its ``"*"`` principal
by a ``Condition`` (outside the definition); their negatives ``Deny`` ``s3:*``. The S3 put
query's ``positive.tf`` (no expected result names it: an older file) is not stored."""


def kics10(_: Path, args: argparse.Namespace) -> Iterator[Case]:
    snapshot = Snapshot(Path(args.snapshots) / "kics10")
    KICS10.path, KICS10.commit = snapshot.root, "see MANIFEST.tsv"
    seen: set[str] = set()
    for query, (rules, keep) in QUERIES.items():
        group = f"kics10:{query.removeprefix('assets/queries/')}"
        for label, path, code in query_blocks(snapshot, query, _named(snapshot, query), keep,
                                              seen):
            yield Case(IAM, rules, "infra/main.tf", code, label, KICS10,
                       f"{path}@{snapshot.commits[path]}", group)
    for query, (rules, keep) in FILE_QUERIES.items():
        group = f"kics10:{query.removeprefix('assets/queries/')}"
        files = [("bad", path) for path in _named(snapshot, query)] + [
            ("good", path) for path in snapshot.files(f"{query}/test")
            if Path(path).name.startswith("negative") and not path.endswith(".json")]
        for label, path in files:
            code = snapshot.show(path).strip()
            if code not in seen and keep(label, code):
                seen.add(code)
                yield Case(IAM, rules, "infra/main.tf", code, label, KICS10,
                           f"{path}@{snapshot.commits[path]}", group)


SOURCES = {"codeql10": codeql10, "kics10": kics10}
