"""CODEOWNERS files in GitHub and GitLab syntax: which owners must approve which paths.

The ``owner`` of ``senior+owner`` is an owner of the files that raised the tier. GitHub
and GitLab read the same file name differently, so ``parse`` takes the flavor:

- GitHub: gitignore patterns (matched with ``pathspec``), the last matching line wins, a
  line with no owners means "no owner". GitHub's own departures from gitignore: no ``!``
  negation, ``[ ]`` are plain characters, ``\\#`` does not escape a comment, ``dir/*``
  matches only the files directly in ``dir``, and ``#`` after a space starts a comment.
- GitLab: ``[Section]``, optional ``^[Section]``, ``[Section][N]`` (N approvals) and default
  owners on the header line; the last matching line wins within each section and every
  section with a match is its own requirement. Patterns follow GitLab's own reading
  (Ruby ``File.fnmatch`` with ``FNM_PATHNAME | FNM_DOTMATCH``): a pattern without a leading
  ``/`` matches at any depth, only a trailing ``/`` covers a directory's contents.

Malformed lines become ``LineError``s naming file and line; the rest still parses. Sources
and the known departures are in ``docs/codeowners.md``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

import pathspec

from countersign.core import ownerglob

Flavor = Literal["github", "gitlab"]

GITHUB_LOCATIONS: tuple[str, ...] = (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS")
"""Where GitHub looks, in order; the first file found is the only one used."""
GITLAB_LOCATIONS: tuple[str, ...] = ("CODEOWNERS", "docs/CODEOWNERS", ".gitlab/CODEOWNERS")
"""Where GitLab looks, in order; the first file found is the only one used."""
LOCATIONS: Mapping[Flavor, tuple[str, ...]] = {
    "github": GITHUB_LOCATIONS, "gitlab": GITLAB_LOCATIONS,
}

_EMAIL = re.compile(r"[^@\s,#]+@[^@\s,#]+\.[^@\s,#]+")
_GITHUB_OWNER = re.compile(r"@[A-Za-z0-9_-]+(?:/[A-Za-z0-9_.-]+)?")
_GITLAB_OWNER = re.compile(r"@@?[A-Za-z0-9_.][A-Za-z0-9_.-]*(?:/[A-Za-z0-9_.][A-Za-z0-9_.-]*)*")
_UNESCAPED_SPACE = re.compile(r"(?<!\\)\s+")
_HEADER = re.compile(r"(\^?)\[([^\]]*)\](?:\[([^\]]*)\])?(.*)")
_HEADER_OWNERS = re.compile(r"[@\w.\-/\s+]*")
"""GitLab reads a header's default owners up to the first other character (a comma, ``#``)."""


@dataclass(frozen=True)
class LineError:
    """A line of a CODEOWNERS file that could not be read as written."""

    source: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: {self.message}"


@dataclass(frozen=True)
class Rule:
    """One pattern line: the owners of the paths it matches."""

    pattern: str
    """As written in the file (GitLab exclusions keep their ``!``)."""
    owners: tuple[str, ...]
    """``@user``, ``@org/team``, ``@group/sub``, ``@@role`` or an email, as written."""
    line: int
    matches: Callable[[str], bool] = field(compare=False, repr=False)
    """Whether a repository-relative POSIX path (no leading ``/``) is matched."""
    approvals_needed: int = 1
    exclusion: bool = False
    """GitLab ``!pattern``: matching paths need no approval from this section."""


@dataclass(frozen=True)
class Section:
    """A group of rules read on its own; GitHub files and GitLab's top lines have no name."""

    name: str | None
    optional: bool
    rules: tuple[Rule, ...]

    def rule_for(self, path: str) -> Rule | None:
        """The rule that decides ``path`` in this section, or ``None``."""
        if any(rule.exclusion and rule.matches(path) for rule in self.rules):
            return None
        for rule in reversed(self.rules):
            if not rule.exclusion and rule.matches(path):
                return rule
        return None


@dataclass(frozen=True)
class Requirement:
    """Approvals one owner rule asks for, and the changed paths that made it apply."""

    section: str | None
    owners: tuple[str, ...]
    approvals_needed: int
    optional: bool
    pattern: str
    line: int
    paths: tuple[str, ...]
    source: str
    """The CODEOWNERS file, e.g. ``.github/CODEOWNERS``."""

    def describe(self) -> str:
        """``app/x.py is owned by @org/payments (CODEOWNERS line 7)`` and the like."""
        shown = ", ".join(self.paths[:3])
        if len(self.paths) > 3:
            shown += f" and {len(self.paths) - 3} more"
        verb = "is" if len(self.paths) == 1 else "are"
        where = f"{self.source} line {self.line}"
        if self.section is not None:
            where += f", section [{self.section}]"
        if self.approvals_needed > 1:
            where += f", {self.approvals_needed} approvals"
        if self.optional:
            where += ", optional"
        return f"{shown} {verb} owned by {' '.join(self.owners)} ({where})"


@dataclass(frozen=True)
class Codeowners:
    """A parsed CODEOWNERS file."""

    source: str
    flavor: Flavor
    sections: tuple[Section, ...]
    errors: tuple[LineError, ...] = ()

    def requirements(self, paths: Iterable[str]) -> tuple[Requirement, ...]:
        """One requirement per deciding rule with owners, in file order.

        Optional GitLab sections are included with ``optional=True``; rules with no
        owners (GitHub's "no owner", GitLab's zero owners) and exclusions ask for nothing.
        """
        hits: dict[tuple[int, int], list[str]] = {}
        for path in sorted({_clean(p) for p in paths}):
            for index, section in enumerate(self.sections):
                rule = section.rule_for(path)
                if rule is not None and rule.owners:
                    hits.setdefault((index, rule.line), []).append(path)
        return tuple(self._requirement(index, line, found)
                     for (index, line), found in sorted(hits.items()))

    def unowned(self, paths: Iterable[str]) -> tuple[str, ...]:
        """The paths no required (non-optional) requirement covers."""
        covered = {p for r in self.requirements(paths) if not r.optional for p in r.paths}
        return tuple(sorted({_clean(p) for p in paths} - covered))

    def _requirement(self, index: int, line: int, paths: list[str]) -> Requirement:
        section = self.sections[index]
        rule = next(r for r in section.rules if r.line == line)
        return Requirement(section.name, rule.owners, rule.approvals_needed, section.optional,
                           rule.pattern, rule.line, tuple(paths), self.source)


def parse(text: str, flavor: Flavor, source: str = "CODEOWNERS") -> Codeowners:
    """Read a CODEOWNERS file; ``source`` names it in errors and requirements."""
    if flavor == "github":
        return _parse_github(text, source)
    return _GitLabReader(source).read(text)


def _clean(path: str) -> str:
    path = path.replace("\\", "/")
    while path.startswith(("./", "/")):
        path = path[2:] if path.startswith("./") else path[1:]
    return path


# GitHub ------------------------------------------------------------------------------


def _parse_github(text: str, source: str) -> Codeowners:
    rules: list[Rule] = []
    errors: list[LineError] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        read = _github_rule(stripped, number)
        if isinstance(read, str):
            errors.append(LineError(source, number, read))
        else:
            rules.append(read)
    return Codeowners(source, "github", (Section(None, False, tuple(rules)),), tuple(errors))


def _github_rule(text: str, number: int) -> Rule | str:
    """The rule on one line, or why GitHub skips the line."""
    pattern, *rest = _UNESCAPED_SPACE.split(text)
    owners: list[str] = []
    for token in rest:
        if token.startswith("#"):
            break
        owners.append(token)
    if pattern.startswith("\\#"):
        return ("GitHub does not support escaping '#' (a pattern cannot start with '#'); "
                "line skipped")
    if pattern.startswith("!"):
        return f"GitHub does not support '!' negation in {pattern!r}; line skipped"
    if pattern == "/":
        return "the pattern '/' matches nothing (did you mean '*'?); line skipped"
    invalid = [o for o in owners if not (_GITHUB_OWNER.fullmatch(o) or _EMAIL.fullmatch(o))]
    if invalid:
        return (f"invalid owner {invalid[0]!r} (expected @user, @org/team or an email "
                "address); line skipped")
    compiled = pathspec.util.lookup_pattern("gitignore")(_literal_brackets(pattern))
    return Rule(pattern, tuple(owners), number, lambda path: bool(compiled.match_file(path)))


def _literal_brackets(pattern: str) -> str:
    """Escape ``[`` and ``]``: GitHub has no character classes, so they are plain characters."""
    out: list[str] = []
    escaped = False
    for ch in pattern:
        if not escaped and ch in "[]":
            out.append("\\")
        out.append(ch)
        escaped = not escaped and ch == "\\"
    return "".join(out)


# GitLab ------------------------------------------------------------------------------


@dataclass
class _OpenSection:
    """A section while the file is read: duplicated headers add to the same one."""

    name: str | None
    optional: bool
    defaults: tuple[str, ...] = ()
    approvals: int = 1
    rules: dict[str, Rule] = field(default_factory=dict)
    """Keyed by the pattern as GitLab normalizes it: a repeated pattern replaces the earlier
    line in its place (GitLab keeps its entries in a hash keyed the same way)."""


class _GitLabReader:
    """Reads a GitLab CODEOWNERS file line by line into sections."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.errors: list[LineError] = []
        self.sections: list[_OpenSection] = [_OpenSection(None, False)]
        self.current = self.sections[0]

    def read(self, text: str) -> Codeowners:
        for number, raw in enumerate(text.splitlines(), start=1):
            stripped = raw.strip()
            if not stripped or stripped.startswith("#"):
                continue
            if stripped.startswith(("[", "^[")):
                self._header(stripped, number)
            else:
                self._entry(stripped, number)
        sections = tuple(Section(s.name, s.optional, tuple(s.rules.values()))
                         for s in self.sections)
        return Codeowners(self.source, "gitlab", sections, tuple(self.errors))

    def _error(self, number: int, message: str) -> None:
        self.errors.append(LineError(self.source, number, message))

    def _header(self, text: str, number: int) -> None:
        match = _HEADER.fullmatch(text)
        if match is None:
            self._error(number, f"section header {text!r} has no closing ']'; line skipped")
            return
        caret, name, count, rest = match.groups()
        if not name.strip():
            self._error(number, "section header has no name")
        approvals = self._approvals(count, number)
        if approvals is None:  # GitLab stops reading the header at a count it cannot read
            approvals, rest = 1, ""
        if rest and not rest[0].isspace():
            self._error(number, f"GitLab reads [{name}] as a section header and {rest!r} as its "
                                "default owners; write \\[ to start a pattern with '['")
        owner_text = _HEADER_OWNERS.match(rest)
        kept = owner_text.group() if owner_text else ""
        if rest[len(kept):].strip():
            self._error(number, f"ignored after the default owners: {rest[len(kept):].strip()!r}")
        defaults = self._owners(kept, number)
        self._open(name, optional=bool(caret), defaults=defaults, approvals=approvals)

    def _approvals(self, count: str | None, number: int) -> int | None:
        """The approvals a header asks for; ``None`` when the count is not a number."""
        if count is None:
            return 1
        if not count.isdigit():
            self._error(number, f"approvals [{count}] is not a number; GitLab needs 1 and "
                                "ignores the rest of the header")
            return None
        if int(count) < 1:
            self._error(number, f"approvals [{count}] is below 1; GitLab needs 1")
            return 1
        return int(count)

    def _open(self, name: str, *, optional: bool, defaults: tuple[str, ...],
              approvals: int) -> None:
        """Switch to section ``name``; headers are case-insensitive and a repeat joins the
        first (a section stays required if any of its headers is)."""
        for section in self.sections[1:]:
            if section.name is not None and section.name.casefold() == name.casefold():
                section.optional = section.optional and optional
                break
        else:
            section = _OpenSection(name, optional)
            self.sections.append(section)
        section.defaults, section.approvals = defaults, approvals
        self.current = section

    def _entry(self, text: str, number: int) -> None:
        parts = _UNESCAPED_SPACE.split(text, maxsplit=1)
        pattern, owner_text = parts[0], (parts[1] if len(parts) > 1 else "")
        exclusion = pattern.startswith("!")
        glob = ownerglob.normalize(pattern[1:] if exclusion else pattern)
        matcher = ownerglob.compile_glob(glob)
        if matcher is None:
            self._error(number, f"pattern {pattern!r} has an unterminated '['; it matches nothing")
        owners = self._owners(owner_text, number) if owner_text else self.current.defaults
        if owner_text and not owners and not exclusion:
            self._error(number, f"no valid owner in {owner_text!r}; GitLab treats the line as "
                                "owned by nobody")
        elif not owners and not exclusion:
            self._error(number, f"{pattern!r} has no owner and its section no default owners")
        rule = Rule(pattern, () if exclusion else owners, number,
                    _glob_matcher(matcher), self.current.approvals, exclusion)
        self.current.rules[glob] = rule

    def _owners(self, text: str, number: int) -> tuple[str, ...]:
        """Owners in ``text``; other words are reported, except after a ``#``.

        GitLab has no inline comments, but reads owners anywhere on the line.
        """
        owners: list[str] = []
        commented = False
        for token in re.split(r"[\s,]+", text.strip()):
            if token.startswith("#"):
                commented, token = True, token.lstrip("#")
            if _GITLAB_OWNER.fullmatch(token) or _EMAIL.fullmatch(token):
                owners.append(token)
            elif token and not commented:
                self._error(number, f"malformed owner {token!r} ignored (expected @user, "
                                    "@group, @group/subgroup, @@role or an email address)")
        return tuple(dict.fromkeys(owners))


def _glob_matcher(regex: re.Pattern[str] | None) -> Callable[[str], bool]:
    if regex is None:
        return lambda path: False
    return lambda path: regex.fullmatch("/" + path) is not None


# Owners to signer identities ------------------------------------------------------------


@dataclass(frozen=True)
class EligibleSigners:
    """Who can satisfy one requirement, as signer emails (lower case)."""

    requirement: Requirement
    emails: frozenset[str]
    unmapped: tuple[str, ...]
    """Owners of the requirement the policy maps to nobody (an email always maps to itself)."""


class IdentityMap:
    """The policy's owner -> emails table: ``{"@sam": ["sam@example.com"], ...}``.

    Keys are owners as CODEOWNERS writes them (``@user``, ``@org/team``, ``@@role``, an
    email) and forge logins as ``@login``; they compare without case, as forges do.
    """

    def __init__(self, mapping: Mapping[str, Iterable[str]]) -> None:
        self._table = {key.strip().casefold(): frozenset(e.strip().lower() for e in emails)
                       for key, emails in mapping.items()}

    def emails(self, owner: str) -> frozenset[str]:
        """The emails that may sign for ``owner``; empty when unmapped."""
        found = self._table.get(owner.strip().casefold(), frozenset())
        if _EMAIL.fullmatch(owner.strip()):
            found |= {owner.strip().lower()}
        return found


def eligible_signers(requirements: Iterable[Requirement],
                     mapping: Mapping[str, Iterable[str]]) -> tuple[EligibleSigners, ...]:
    """Per requirement, the union of its owners' emails, and the owners with none."""
    table = IdentityMap(mapping)
    result = []
    for requirement in requirements:
        per_owner = {owner: table.emails(owner) for owner in requirement.owners}
        emails = frozenset().union(*per_owner.values())
        unmapped = tuple(owner for owner, found in per_owner.items() if not found)
        result.append(EligibleSigners(requirement, emails, unmapped))
    return tuple(result)
