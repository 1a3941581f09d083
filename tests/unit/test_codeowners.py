"""CODEOWNERS in GitHub and GitLab syntax: matching, precedence, sections, errors, identities."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from countersign.core.codeowners import (
    GITHUB_LOCATIONS,
    GITLAB_LOCATIONS,
    LOCATIONS,
    Codeowners,
    Flavor,
    eligible_signers,
    parse,
)


def owners(co: Codeowners, path: str) -> list[tuple[str | None, tuple[str, ...]]]:
    return [(r.section, r.owners) for r in co.requirements([path])]


def matches(flavor: Flavor, pattern: str, path: str) -> bool:
    return bool(parse(f"{pattern} @x\n", flavor).requirements([path]))


# Patterns: GitHub reads gitignore patterns with its own exceptions; GitLab its own globs.

GITHUB_PATTERNS = [
    # A pattern with no slash matches at any depth, and a directory's contents.
    ("foo", "foo", True), ("foo", "foo/bar", True), ("foo", "a/foo", True),
    ("foo", "a/foo/b.py", True), ("foo", "foo.txt", False),
    # A leading or middle slash anchors it to the root.
    ("/foo", "a/foo", False), ("/foo", "foo/bar", True),
    ("foo/bar", "foo/bar", True), ("foo/bar", "x/foo/bar", False),
    # A trailing slash is a directory, at any depth unless anchored.
    ("apps/", "apps/x.py", True), ("apps/", "a/apps/x.py", True), ("apps/", "apps", False),
    ("/build/logs/", "build/logs/a/b.log", True), ("/build/logs/", "x/build/logs/a", False),
    # `docs/*` is the files directly in docs (GitHub's documented example).
    ("docs/*", "docs/getting-started.md", True),
    ("docs/*", "docs/build-app/troubleshooting.md", False),
    # `*` does not cross `/`; `**` does.
    ("/*.md", "README.md", True), ("/*.md", "docs/README.md", False),
    ("*.md", "docs/deep/README.md", True), ("*", "a/b/.env", True),
    ("**/logs", "logs/x", True), ("**/logs", "deeply/nested/logs/x", True),
    ("foo/**/bar", "foo/bar", True), ("foo/**/bar", "foo/a/b/bar", True),
    ("/build/**", "build/a/b", True), ("/build/**", "build", False),
    ("a?c", "abc", True), ("a?c", "a/c", False),
    # `[ ]` are plain characters on GitHub, not a character class.
    ("/apps/[param]/file.ts", "apps/[param]/file.ts", True),
    ("/apps/[param]/file.ts", "apps/p/file.ts", False), ("*.[ch]", "x.c", False),
    # Escapes and case.
    (r"a\ b.txt", "a b.txt", True), (r"f\*o", "f*o", True), (r"f\*o", "foo", False),
    ("README.md", "readme.md", False),
]


@pytest.mark.parametrize(("pattern", "path", "expected"), GITHUB_PATTERNS)
def test_github_pattern(pattern: str, path: str, expected: bool) -> None:
    assert matches("github", pattern, path) is expected


GITLAB_PATTERNS = [
    # Without a leading slash a pattern matches at any depth ...
    ("internal/README.md", "docs/internal/README.md", True),
    ("README.md", "a/b/README.md", True),
    # ... but only a trailing slash covers a directory's contents.
    ("docs", "docs/index.md", False), ("docs", "a/docs", True), ("/docs", "docs", True),
    ("docs/", "x/docs/a.md", True), ("/docs/", "docs/a/b.md", True),
    ("/docs/", "x/docs/a.md", False), ("docs/", "docs", False),
    ("/docs/*", "docs/a.md", True), ("/docs/*", "docs/a/b.md", False),
    ("/docs/**", "docs/a/b.md", False),  # a trailing ** is one segment in fnmatch
    ("/docs/**/*.md", "docs/a.md", True), ("/docs/**/*.md", "docs/x/y/a.md", True),
    ("*", "a/b/.env", True), ("*.md", "a/.hidden/b.md", True), ("a?", "a/b", False),
    # Character classes work on GitLab.
    ("x[ab].md", "xa.md", True), ("x[ab].md", "xc.md", False), ("x[!a].md", "xb.md", True),
    ("x[a-c].md", "xb.md", True), ("a[b/c]d", "a/cd", False), ("a[", "a[", False),
    # Escapes.
    (r"\#file_with_pound.rb", "#file_with_pound.rb", True),
    (r"path\ with\ spaces/", "path with spaces/a.md", True),
    ("README.md", "readme.md", False),
]


@pytest.mark.parametrize(("pattern", "path", "expected"), GITLAB_PATTERNS)
def test_gitlab_pattern(pattern: str, path: str, expected: bool) -> None:
    assert matches("gitlab", pattern, path) is expected


# Precedence: the last matching line wins (within a section on GitLab).

GITHUB_DOCS_EXAMPLE = """\
# This is a comment.
*       @global-owner1 @global-owner2
*.js    @js-owner #This is an inline comment.
*.go docs@example.com
*.txt @octo-org/octocats
/build/logs/ @doctocat
docs/*  docs@example.com
apps/ @octocat
/docs/ @doctocat
/scripts/ @doctocat @octocat
**/logs @octocat
/apps/ @octocat
/apps/github
"""


@pytest.mark.parametrize(("path", "expected"), [
    ("src/main.py", ("@global-owner1", "@global-owner2")),
    ("web/app.js", ("@js-owner",)),
    ("cmd/main.go", ("docs@example.com",)),
    ("notes.txt", ("@octo-org/octocats",)),
    ("build/logs/today.log", ("@octocat",)),  # **/logs comes later than /build/logs/
    ("docs/getting-started.md", ("@doctocat",)),  # /docs/ comes later than docs/*
    ("scripts/deploy.sh", ("@doctocat", "@octocat")),
    ("apps/web/x.py", ("@octocat",)),
    ("apps/github/x.py", None),  # a later line with no owners: no owner at all
])
def test_github_last_match_wins(path: str, expected: tuple[str, ...] | None) -> None:
    co = parse(GITHUB_DOCS_EXAMPLE, "github", ".github/CODEOWNERS")
    assert co.errors == ()
    assert owners(co, path) == ([(None, expected)] if expected else [])


def test_gitlab_last_match_wins_and_a_repeated_pattern_keeps_its_place() -> None:
    # GitLab keys entries by pattern: the repeated `docs/` replaces the first one where it
    # stood, so the later `docs/x.md` line still decides docs/x.md.
    co = parse("*.md @doc-team\nterms.md @legal-team\ndocs/ @a\ndocs/x.md @b\ndocs/ @c\n",
               "gitlab")
    assert owners(co, "terms.md") == [(None, ("@legal-team",))]
    assert owners(co, "docs/x.md") == [(None, ("@b",))]
    assert owners(co, "docs/y.md") == [(None, ("@c",))]


# Comments, escapes and inline text.

def test_github_comments_and_inline_comments() -> None:
    co = parse("# owner of all\n  # indented comment\n*.py @py # @not-an-owner\n", "github")
    assert co.errors == ()
    assert owners(co, "a.py") == [(None, ("@py",))]


def test_gitlab_reads_owners_after_a_pound_but_reports_stray_words() -> None:
    co = parse("*.md @a # @b and text\nLICENSE @legal this_does_not_match janedoe@gitlab.com\n",
               "gitlab")
    assert owners(co, "x.md") == [(None, ("@a", "@b"))]
    assert owners(co, "LICENSE") == [(None, ("@legal", "janedoe@gitlab.com"))]
    assert [str(e) for e in co.errors] == [
        "CODEOWNERS:2: malformed owner 'this_does_not_match' ignored (expected @user, "
        "@group, @group/subgroup, @@role or an email address)"]


def test_gitlab_owner_forms() -> None:
    co = parse("* @user @group/sub/team @@maintainer lee@x.com,@comma\n", "gitlab")
    assert owners(co, "a") == [(None, ("@user", "@group/sub/team", "@@maintainer",
                                       "lee@x.com", "@comma"))]


# Malformed lines are errors naming file and line; the rest still parses.

@pytest.mark.parametrize(("line", "message"), [
    ("!secret.py @x", "GitHub does not support '!' negation in '!secret.py'; line skipped"),
    (r"\#notes @x", "GitHub does not support escaping '#' (a pattern cannot start with '#'); "
                    "line skipped"),
    ("/ @x", "the pattern '/' matches nothing (did you mean '*'?); line skipped"),
    ("*.py owner", "invalid owner 'owner' (expected @user, @org/team or an email address); "
                   "line skipped"),
    ("*.py @a @@role", "invalid owner '@@role' (expected @user, @org/team or an email "
                       "address); line skipped"),
])
def test_github_malformed_lines(line: str, message: str) -> None:
    co = parse(f"* @fallback\n\n{line}\n", "github", ".github/CODEOWNERS")
    assert [str(e) for e in co.errors] == [f".github/CODEOWNERS:3: {message}"]
    assert owners(co, "secret.py") == [(None, ("@fallback",))]  # the skipped line decides nothing


@pytest.mark.parametrize(("text", "message"), [
    ("[Docs\ndocs/ @x\n", "section header '[Docs' has no closing ']'; line skipped"),
    ("[Docs][x] @a\n", "approvals [x] is not a number; GitLab needs 1 and ignores the rest of "
                       "the header"),
    ("[Docs][0]\n", "approvals [0] is below 1; GitLab needs 1"),
    ("[] @a\n", "section header has no name"),
    ("[Docs] @a, @b\n", "ignored after the default owners: ', @b'"),
    ("docs/\n", "'docs/' has no owner and its section no default owners"),
    ("docs/ nobody\n", "malformed owner 'nobody' ignored (expected @user, @group, "
                       "@group/subgroup, @@role or an email address)"),
    ("a[ @x\n", "pattern 'a[' has an unterminated '['; it matches nothing"),
])
def test_gitlab_malformed_lines(text: str, message: str) -> None:
    co = parse(text, "gitlab", "docs/CODEOWNERS")
    assert f"docs/CODEOWNERS:1: {message}" in [str(e) for e in co.errors]


def test_gitlab_reads_a_bracketed_pattern_at_line_start_as_a_header_and_says_so() -> None:
    co = parse("[Dd]ocs/ @team\n*.md\n\\[Dd]ocs/ @x\n", "gitlab")
    assert owners(co, "a.md") == [("Dd", ("@team",))]
    assert owners(co, "[Dd]ocs/a") == [("Dd", ("@x",))]
    assert "write \\[ to start a pattern with '['" in str(co.errors[0])


# GitLab sections.

GITLAB_SECTIONS = """\
* @general-approvers

[Documentation][2] @docs-team
docs/
README.md
*.txt

^[Database] @database-team
model/db/
config/db/database-setup.md @docs-team

[Payments] @org/payments
app/payments/
!app/payments/generated/

[DOCUMENTATION]
README.md  @tech-writers
"""


def test_gitlab_every_matching_section_is_its_own_requirement() -> None:
    co = parse(GITLAB_SECTIONS, "gitlab", ".gitlab/CODEOWNERS")
    assert co.errors == ()
    reqs = co.requirements(["model/db/CHANGELOG.txt"])
    assert [(r.section, r.owners, r.approvals_needed, r.optional, r.pattern, r.line)
            for r in reqs] == [
        (None, ("@general-approvers",), 1, False, "*", 1),
        ("Documentation", ("@docs-team",), 2, False, "*.txt", 6),
        ("Database", ("@database-team",), 1, True, "model/db/", 9),
    ]


def test_gitlab_default_owners_and_overrides() -> None:
    co = parse(GITLAB_SECTIONS, "gitlab")
    assert owners(co, "config/db/database-setup.md") == [
        (None, ("@general-approvers",)), ("Database", ("@docs-team",))]


def test_gitlab_duplicate_sections_combine_without_case() -> None:
    co = parse(GITLAB_SECTIONS, "gitlab")
    assert [s.name for s in co.sections] == [None, "Documentation", "Database", "Payments"]
    # README.md is decided by the later [DOCUMENTATION] line, with that header's count.
    (_, docs) = co.requirements(["README.md"])
    assert (docs.section, docs.owners, docs.line, docs.approvals_needed) == (
        "Documentation", ("@tech-writers",), 17, 1)


def test_gitlab_a_section_is_required_if_any_of_its_headers_is() -> None:
    co = parse("^[Go]\n*.go @a\n[go]\n*_test.go @b\n^[Ruby]\n*.rb @c\n", "gitlab")
    assert [(s.name, s.optional) for s in co.sections[1:]] == [("Go", False), ("Ruby", True)]


def test_gitlab_exclusions_apply_within_their_section() -> None:
    co = parse(GITLAB_SECTIONS, "gitlab")
    assert owners(co, "app/payments/api.py") == [
        (None, ("@general-approvers",)), ("Payments", ("@org/payments",))]
    assert owners(co, "app/payments/generated/client.py") == [(None, ("@general-approvers",))]


def test_gitlab_exclusion_wins_wherever_it_stands_in_the_section() -> None:
    co = parse("*.md @x\n!/a.md\n*.md @y\n", "gitlab")
    assert owners(co, "a.md") == []
    assert owners(co, "b.md") == [(None, ("@y",))]


# Requirements: which paths, described for the gate.

def test_requirements_group_paths_by_rule_and_describe_them() -> None:
    co = parse("* @all\n/app/payments/ @org/payments\n", "github", ".github/CODEOWNERS")
    reqs = co.requirements(["app/payments/x.py", "./app/payments/y.py", "README.md",
                            "app/payments/x.py"])
    assert [r.describe() for r in reqs] == [
        "README.md is owned by @all (.github/CODEOWNERS line 1)",
        "app/payments/x.py, app/payments/y.py are owned by @org/payments "
        "(.github/CODEOWNERS line 2)",
    ]


def test_describe_names_section_count_and_optional() -> None:
    co = parse("^[Ops][2] @ops\nk8s/\n", "gitlab")
    paths = [f"k8s/{n}.yaml" for n in "abcde"]
    assert co.requirements(paths)[0].describe() == (
        "k8s/a.yaml, k8s/b.yaml, k8s/c.yaml and 2 more are owned by @ops "
        "(CODEOWNERS line 2, section [Ops], 2 approvals, optional)")


def test_unowned_paths_are_those_no_required_rule_covers() -> None:
    co = parse("/src/ @dev\n/src/vendor/\n^[Docs] @docs\n*.md\n", "gitlab")
    assert co.unowned(["src/a.py", "src/vendor/b.py", "README.md"]) == (
        "README.md", "src/vendor/b.py")


def test_standard_locations_in_lookup_order() -> None:
    assert GITHUB_LOCATIONS == (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS")
    assert GITLAB_LOCATIONS == ("CODEOWNERS", "docs/CODEOWNERS", ".gitlab/CODEOWNERS")
    assert LOCATIONS == {"github": GITHUB_LOCATIONS, "gitlab": GITLAB_LOCATIONS}


# Owners to signer identities.

MAPPING = {
    "@sam": ["sam@example.com"],
    "@org/payments": ["a@x.com", "B@X.com"],
    "lee@x.com": ["lee@corp.example"],
}


def test_eligible_signers_map_owners_to_emails_and_report_the_unmapped() -> None:
    co = parse("* @Sam\n/pay/ @org/payments lee@x.com @nobody\n", "github")
    first, second = eligible_signers(co.requirements(["README", "pay/x.py"]), MAPPING)
    assert (first.emails, first.unmapped) == (frozenset({"sam@example.com"}), ())
    assert second.emails == {"a@x.com", "b@x.com", "lee@x.com", "lee@corp.example"}
    assert second.unmapped == ("@nobody",)
    assert second.requirement.paths == ("pay/x.py",)


def test_an_email_owner_maps_to_itself_without_a_mapping() -> None:
    co = parse("* Dev@Example.com\n", "gitlab")
    (signers,) = eligible_signers(co.requirements(["a"]), {})
    assert (signers.emails, signers.unmapped) == (frozenset({"dev@example.com"}), ())


# Property: the last matching line decides, against a plain reference implementation.

DIRS = ["a", "b", "a/b", "b/a", "a/b/c"]
FILES = ["x.py", "y.md", "z.py"]
PATHS = [f"{d}/{f}" for d in DIRS for f in FILES] + FILES

Predicate = Callable[[str], bool]


def _anchored_dir(d: str) -> tuple[str, Predicate]:
    return f"/{d}/", lambda p: p.startswith(d + "/")


def _any_dir(d: str) -> tuple[str, Predicate]:
    return f"{d}/", lambda p: d in p.split("/")[:-1]


def _extension(ext: str) -> tuple[str, Predicate]:
    return f"*.{ext}", lambda p: p.endswith("." + ext)


def _exact(path: str) -> tuple[str, Predicate]:
    return f"/{path}", lambda p: p == path


patterns = st.one_of(
    st.sampled_from(["a", "b", "c"]).map(_anchored_dir),
    st.sampled_from(["a", "b", "c"]).map(_any_dir),
    st.sampled_from(["py", "md"]).map(_extension),
    st.sampled_from(PATHS).map(_exact),
    st.just(("*", lambda p: True)),
)
rules = st.lists(st.tuples(patterns, st.sampled_from(["", "@o1", "@o2 @o3", "o@x.com"])),
                 max_size=8)


Line = tuple[tuple[str, Predicate], str]


def _reference(section: list[Line], path: str, flavor: Flavor = "gitlab") -> tuple[str, ...]:
    if flavor == "gitlab":
        # GitLab keeps entries in a hash keyed by pattern: a repeat replaces the first in place.
        section = list({line[0][0]: line for line in section}.values())
    for (_, predicate), owner_text in reversed(section):
        if predicate(path):
            return tuple(owner_text.split())
    return ()


def _render(section: list[Line]) -> str:
    return "".join(f"{pattern} {owner_text}\n" for (pattern, _), owner_text in section)


@given(rules, st.sampled_from(["github", "gitlab"]))
def test_last_matching_line_wins_like_the_reference(
    section: list[Line], flavor: Flavor
) -> None:
    co = parse(_render(section), flavor)
    for path in PATHS:
        expected = _reference(section, path, flavor)
        assert owners(co, path) == ([(None, expected)] if expected else []), path


@given(st.lists(rules, min_size=1, max_size=4))
def test_gitlab_sections_decide_independently_like_the_reference(
    sections: list[list[Line]]
) -> None:
    text = _render(sections[0]) + "".join(
        f"[S{i}]\n{_render(section)}" for i, section in enumerate(sections[1:], start=1))
    co = parse(text, "gitlab")
    for path in PATHS:
        expected = [(None if i == 0 else f"S{i}", _reference(section, path))
                    for i, section in enumerate(sections)]
        assert owners(co, path) == [(name, found) for name, found in expected if found], path
