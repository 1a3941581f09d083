"""A naive reference for what the language server says about provenance, and seeded editing
sessions to hold it against.

The model keeps one record per character: the character, an id it keeps for life, and who
wrote it. An edit replaces records; an AI report names the ids the reported range of its
version held, and those still in the text take its origin (a report for a version not
reached yet waits for it); a whole-document change keeps the records of the common prefix
and suffix. Positions are computed here, independently of ``core.text`` and
``core.positions``.

A session is a list of steps, each valid for the text at its turn: typing (insert,
delete, replace), an inline completion (an edit, then its report), a report that arrives
before its ``didChange``, a report for an older version (the person kept typing), a
reload of the whole document, and marking a range as AI's or a person's.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

from countersign.core.origin import HUMAN, Origin
from countersign.core.positions import Encoding

PIECES = ["a", "x = 1", " ", "\t", "\n", "\r\n", "\r", "😀", "🧑‍💻", "漢字", "é", "  \t",
          "DROP TABLE t;", "os.system(cmd)"]
"""Text that stresses offsets, lines and encodings: CRLF, lone CR, astral emoji, ZWJ, CJK."""
TOOLS = ["copilot", "claude-code", "cursor"]
_EOL = re.compile(r"\r\n|\r|\n")
Position = tuple[int, int]
Range = tuple[Position, Position]


@dataclass
class Char:
    text: str
    id: int
    origin: Origin


@dataclass
class Model:
    """The reference: characters with ids and origins, and the ids and text of every
    version."""

    chars: list[Char]
    version: int
    versions: dict[int, tuple[list[int], str]] = field(default_factory=dict)
    pending: list[tuple[int, int, int, Origin]] = field(default_factory=list)
    next_id: int = 0

    @classmethod
    def of(cls, text: str, version: int) -> Model:
        model = cls([Char(c, i, HUMAN) for i, c in enumerate(text)], version, next_id=len(text))
        model.versions[version] = ([c.id for c in model.chars], text)
        return model

    @property
    def text(self) -> str:
        return "".join(c.text for c in self.chars)

    def apply(self, step: Step) -> None:
        if step.kind == "edit":
            self.edit(step.start, step.end, step.text, step.version)
        elif step.kind == "reload":
            self.reload(step.text, step.version)
        elif step.kind == "report":
            self.report(step.of, step.start, step.end, step.origin)
        else:
            self.mark(step.start, step.end, step.origin)

    def edit(self, start: int, end: int, new: str, version: int) -> None:
        self.chars[start:end] = [Char(c, self.next_id + i, HUMAN) for i, c in enumerate(new)]
        self.next_id += len(new)
        self.version = version
        self.versions[version] = ([c.id for c in self.chars], self.text)
        due = [p for p in self.pending if p[0] == version]
        self.pending = [p for p in self.pending if p[0] != version]
        for report in due:
            self.report(*report)

    def reload(self, new: str, version: int) -> None:
        old = self.text
        prefix = 0
        while prefix < min(len(old), len(new)) and old[prefix] == new[prefix]:
            prefix += 1
        suffix = 0
        while (suffix < min(len(old), len(new)) - prefix
               and old[len(old) - 1 - suffix] == new[len(new) - 1 - suffix]):
            suffix += 1
        self.edit(prefix, len(old) - suffix, new[prefix:len(new) - suffix], version)

    def report(self, version: int, start: int, end: int, origin: Origin) -> None:
        """Who wrote the characters ``[start, end)`` of ``version`` (those still here)."""
        if version not in self.versions:
            self.pending.append((version, start, end, origin))
            return
        ids = set(self.versions[version][0][start:end])
        for char in self.chars:
            if char.id in ids:
                char.origin = origin

    def mark(self, start: int, end: int, origin: Origin) -> None:
        for char in self.chars[start:end]:
            char.origin = origin

    # -- what the server should say --------------------------------------------------

    def spans(self, enc: Encoding) -> list[tuple[Range, Origin]]:
        """Maximal runs of one AI origin, as LSP ranges in ``enc``."""
        out: list[tuple[Range, Origin]] = []
        start = 0
        for i in range(1, len(self.chars) + 1):
            if i < len(self.chars) and self.chars[i].origin == self.chars[start].origin:
                continue
            if self.chars[start].origin.is_ai:
                out.append((range_in(self.text, start, i, enc), self.chars[start].origin))
            start = i
        return out

    def ai_lines(self) -> set[int]:
        text, line, out = self.text, 0, set()
        for i, char in enumerate(self.chars):
            if char.origin.is_ai and not char.text.isspace():
                out.add(line)
            if char.text == "\n" or (char.text == "\r" and text[i + 1:i + 2] != "\n"):
                line += 1
        return out


def units(text: str, enc: Encoding) -> int:
    if enc == "utf-32":
        return len(text)
    if enc == "utf-16":
        return len(text.encode("utf-16-le")) // 2
    return len(text.encode("utf-8"))


def position(text: str, offset: int, enc: Encoding) -> Position:
    """The LSP position of code point ``offset`` of ``text``."""
    starts = [0, *(m.end() for m in _EOL.finditer(text))]
    line = max(n for n, s in enumerate(starts) if s <= offset)
    return line, units(text[starts[line]:offset], enc)


def range_in(text: str, start: int, end: int, enc: Encoding) -> Range:
    return position(text, start, enc), position(text, end, enc)


def boundaries(text: str) -> list[int]:
    """Offsets an editor can name: every one but those between ``\\r`` and ``\\n``."""
    return [i for i in range(len(text) + 1)
            if not (0 < i < len(text) and text[i - 1] == "\r" and text[i] == "\n")]


@dataclass(frozen=True)
class Step:
    """One thing the editor does. ``start``/``end`` are offsets in the text of ``version``
    (of ``of`` for a report) and ``range`` the same in the session's encoding."""

    kind: str  # edit | report | reload | mark
    version: int
    start: int = 0
    end: int = 0
    range: Range = ((0, 0), (0, 0))
    text: str = ""
    origin: Origin = HUMAN
    of: int = 0


class _Writer:
    """Makes the steps of one session, keeping a model of its own to stay valid."""

    def __init__(self, seed: int, enc: Encoding, text: str) -> None:
        self.rng = random.Random(seed)
        self.enc = enc
        self.model = Model.of(text, 1)
        self.steps: list[Step] = []
        self.reports = 0

    def origin(self) -> Origin:
        self.reports += 1
        return Origin(self.rng.choice(["inline", "chat", "agent"]), self.rng.choice(TOOLS),
                      at=float(self.reports))

    def span(self, text: str | None = None) -> tuple[int, int]:
        text = self.model.text if text is None else text
        a, b = sorted(self.rng.choices(boundaries(text), k=2))
        return a, b

    def add(self, step: Step) -> None:
        self.steps.append(step)
        self.model.apply(step)

    def edit(self, who: Origin | None, early: bool = False) -> None:
        """Typing (``who`` None), or an AI's edit reported after it or, ``early``, before."""
        text = self.model.text
        start, end = self.span() if self.rng.random() < 0.4 else (
            self.rng.choice(boundaries(text)),) * 2
        new = "".join(self.rng.choice(PIECES) for _ in range(self.rng.randint(0, 3)))
        version = self.model.version + 1
        after = text[:start] + new + text[end:]
        report = Step("report", version, start, start + len(new),
                      range_in(after, start, start + len(new), self.enc), origin=who or HUMAN,
                      of=version)
        # a range cannot end between \r and \n: an editor has no position there
        reported = who is not None and new and {start, start + len(new)} <= set(
            boundaries(after))
        if reported and early:
            self.add(report)
        self.add(Step("edit", version, start, end, range_in(text, start, end, self.enc), new))
        if reported and not early:
            self.add(report)

    def late(self) -> None:
        """A report for an older version: the text of it named, typing since moved it."""
        self.edit(None)
        old = self.rng.choice(sorted(self.model.versions)[-4:])
        text = self.model.versions[old][1]
        a, b = self.span(text)
        self.add(Step("report", self.model.version, a, b, range_in(text, a, b, self.enc),
                      origin=self.origin(), of=old))

    def reload(self) -> None:
        text = self.model.text
        a, b = self.span()
        new = text[:a] + "".join(self.rng.choice(PIECES) for _ in range(2)) + text[b:]
        self.add(Step("reload", self.model.version + 1, text=new))

    def mark(self) -> None:
        a, b = self.span()
        who = self.origin() if self.rng.random() < 0.7 else HUMAN
        self.add(Step("mark", self.model.version, a, b,
                      range_in(self.model.text, a, b, self.enc), origin=who))


def session(seed: int, steps: int, enc: Encoding, text: str = "") -> list[Step]:
    """A seeded editing session of at least ``steps`` steps, from ``text`` at version 1."""
    writer = _Writer(seed, enc, text)
    while len(writer.steps) < steps:
        kind = writer.rng.choice(["type", "type", "complete", "early", "late", "reload",
                                  "mark"])
        if kind == "type":
            writer.edit(None)
        elif kind in ("complete", "early"):
            writer.edit(writer.origin(), early=kind == "early")
        elif kind == "late":
            writer.late()
        elif kind == "reload":
            writer.reload()
        else:
            writer.mark()
    return writer.steps
