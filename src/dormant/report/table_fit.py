"""How the terminal table fits a width: which columns it shows, how wide, and each cell's lines.

A terminal of 80 columns must show every row's name (or a unique prefix of at least 24
characters and an ellipsis) and its whole compliance word, no line wider than the terminal,
no header broken inside a word, and at most ``MAX_LINES`` lines a row. Columns give way in
one order as the width shrinks:

1. every column on its own, prose wrapping;
2. the layout's note columns (roles: Risk, Owner, Managed by, Referenced by) folded into
   one "Notes" cell, one note a line;
3. the notes dropped; then names cut to a unique prefix (or folded over lines when no short
   prefix is unique); then the other columns but the annotation dropped.

What was dropped is named in a footer. Pure and standard library only: the renderer
(``dormant.report.table``) turns the plan into a rich table; this module never prints.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "ANNOTATION",
    "ELLIPSIS",
    "GAP",
    "MAX_LINES",
    "NOTES",
    "Cell",
    "FitColumn",
    "TablePlan",
    "fit_name",
    "plan_table",
    "unique_prefix_lengths",
    "wrap",
]

MAX_LINES = 3  # a row never takes more lines than this
GAP = 3  # characters between two columns: rich's padding (1 + 1) and the box's divider
MIN_PREFIX = 24  # a cut name keeps at least this many characters, and stays unique
NOTES = "Notes"
ANNOTATION = "Annotation"
ELLIPSIS = "…"
_BREAK_AFTER = "_-/.:,;="  # where a word too long for its column is best broken
_COMFORTABLE = 30  # the annotation's width below which the next step is tried
_CRAMPED = 18  # the least width the annotation is given before other columns drop
_PROSE_MIN = 12  # a prose column narrower than this reads badly
_PROSE_MAX = 60  # nor is one wider than this needed: it wraps
_NOTES_MIN = 18
_SOFT_NAME = 40  # names are cut to this much before the notes drop


@dataclass(frozen=True, slots=True)
class FitColumn:
    """A column as the planner sees it: header, cell texts (one per row) and its kind.

    ``fixed``: one line, never wraps, never cut (numbers, account ids, compliance);
    ``note``: may fold into the notes cell; ``essential``: never dropped.
    """

    header: str
    cells: tuple[str, ...]
    fixed: bool = False
    note: bool = False
    essential: bool = False
    label: str = ""  # how the notes cell names it; the header when empty

    @property
    def empty(self) -> bool:
        return not any(self.cells)

    @property
    def natural(self) -> int:
        """The width that shows every cell on one line (the header's too)."""
        return max((len(c) for c in (self.header, *self.cells)), default=0)

    @property
    def header_min(self) -> int:
        """The header's longest word: no narrower, or the header breaks inside a word."""
        return max((len(word) for word in self.header.split()), default=0)


@dataclass(frozen=True, slots=True)
class Cell:
    """A cell's lines, and whether text was cut to fit."""

    lines: tuple[str, ...]
    cut: bool = False

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@dataclass(frozen=True, slots=True)
class TablePlan:
    """The columns shown, in order, with their widths; the rows' cells; what gave way."""

    headers: tuple[str, ...]
    widths: tuple[int, ...]
    rows: tuple[tuple[Cell, ...], ...]
    dropped: tuple[str, ...] = ()
    folded: tuple[str, ...] = ()
    names_cut: bool = False
    text_cut: bool = False

    @property
    def width(self) -> int:
        return sum(self.widths) + GAP * (len(self.widths) - 1)

    def header_lines(self, index: int) -> str:
        return "\n".join(wrap(self.headers[index], self.widths[index], MAX_LINES).lines)

    def footer(self) -> str | None:
        """One sentence naming what does not show at this width, or None."""
        parts = []
        if self.dropped:
            parts.append(f"not shown at this width: {', '.join(self.dropped)}")
        if self.folded:
            parts.append(f"Notes holds {', '.join(h.lower() for h in self.folded)}")
        if self.names_cut or self.text_cut:
            parts.append(f"{ELLIPSIS} marks text cut to fit")
        if not parts:
            return None
        return "; ".join(parts) + " (--format json, csv or html shows every field)."


def unique_prefix_lengths(names: Sequence[str]) -> list[int]:
    """For each name, the shortest prefix (at least ``MIN_PREFIX`` long) no other name shares.

    A name that is itself a prefix of another's needs all its characters and more: its
    length + 1, meaning it can never be cut.
    """
    order = sorted(range(len(names)), key=lambda i: names[i])
    needed = [MIN_PREFIX] * len(names)
    for before, after in itertools.pairwise(order):
        a, b = names[before], names[after]
        common = _common_prefix(a, b)
        needed[before] = max(needed[before], common + 1)
        needed[after] = max(needed[after], common + 1)
    return needed


def _common_prefix(a: str, b: str) -> int:
    size = min(len(a), len(b))
    for index in range(size):
        if a[index] != b[index]:
            return index
    return size


def fit_name(name: str, width: int, unique: int) -> Cell:
    """The name whole; else a unique prefix and an ellipsis; else folded over lines."""
    if len(name) <= width:
        return Cell((name,))
    if unique + 1 <= width:  # the ellipsis takes one character
        return Cell((name[: width - 1] + ELLIPSIS,), cut=True)
    return wrap(name, width, MAX_LINES, words=False)


def wrap(text: str, width: int, max_lines: int, *, words: bool = True) -> Cell:
    """Lines of at most ``width``, broken at spaces (or after ``_-/.:``), ``max_lines`` at most.

    Text that does not fit ends its last line with an ellipsis.
    """
    width = max(width, 1)
    lines: list[str] = []
    for paragraph in text.split("\n"):
        lines.extend(_wrap_paragraph(paragraph, width, words))
    if len(lines) <= max_lines:
        return Cell(tuple(lines))
    kept = lines[:max_lines]
    last = kept[-1]
    kept[-1] = (last if len(last) < width else last[: width - 1]) + ELLIPSIS
    return Cell(tuple(kept), cut=True)


def _wrap_paragraph(text: str, width: int, words: bool) -> list[str]:
    if not text:
        return [""]
    tokens = text.split(" ") if words else [text]
    lines: list[str] = []
    current = ""
    for token in tokens:
        candidate = token if not current else f"{current} {token}"
        if len(candidate) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = token
        while len(current) > width:
            cut = _break_point(current, width)
            lines.append(current[:cut])
            current = current[cut:]
    lines.append(current)
    return lines


def _break_point(word: str, width: int) -> int:
    """After the last ``_-/.:`` within ``width`` (not too early), else at ``width``."""
    for index in range(width, width // 2, -1):
        if word[index - 1] in _BREAK_AFTER:
            return index
    return width


def plan_table(
    name: FitColumn,
    columns: Sequence[FitColumn],
    annotation: FitColumn,
    width: int,
    *,
    lead: Sequence[FitColumn] = (),
) -> TablePlan:
    """The first arrangement (in the module docstring's order) that fits ``width``.

    ``name`` is the row's name; ``lead`` (the account, one line each) comes before it;
    ``columns`` between it and ``annotation`` (compliance, ``fixed`` and ``essential``,
    among them).
    """
    unique = unique_prefix_lengths(name.cells)
    shortest_name = max(
        [name.header_min, *(min(len(n), u + 1) for n, u in zip(name.cells, unique, strict=True))]
    )
    shown = [c for c in columns if not c.empty or c.essential or c.fixed]
    notes = [c for c in shown if c.note]
    plain = [c for c in shown if not c.note]
    essential = [c for c in plain if c.essential]
    soft_name = max(shortest_name, min(name.natural, _SOFT_NAME))
    # Narrower still, a name no short prefix tells apart folds over up to MAX_LINES lines.
    folded_name = max(
        name.header_min, min(name.natural, MIN_PREFIX + 1), -(-name.natural // MAX_LINES)
    )
    attempts = [
        _Attempt(shown, False, name.natural, _COMFORTABLE),
        _Attempt(plain, True, name.natural, _COMFORTABLE),
        _Attempt(plain, True, soft_name, _COMFORTABLE),
        _Attempt(plain, False, name.natural, _COMFORTABLE),
        _Attempt(plain, False, soft_name, _COMFORTABLE),
        _Attempt(plain, False, shortest_name, _CRAMPED),
        _Attempt(essential, False, shortest_name, _CRAMPED),
        _Attempt(plain, False, min(folded_name, shortest_name), _CRAMPED),
        _Attempt(essential, False, min(folded_name, shortest_name), _CRAMPED),
    ]
    fixed = sum(c.natural for c in lead)
    for attempt in attempts:
        if attempt.with_notes and not notes:
            continue
        arranged = _arrange(attempt.kept, notes if attempt.with_notes else [])
        gaps = GAP * (len(lead) + len(arranged) + 1)
        least = sum(least for _, least, _ in arranged)
        annotation_least = max(attempt.annotation_min, annotation.header_min)
        if fixed + attempt.name_width + least + annotation_least + gaps <= width:
            break
    else:
        attempt = attempts[-1]
    return _build(attempt, shown, lead, name, unique, notes, annotation, width)


@dataclass(frozen=True, slots=True)
class _Attempt:
    kept: list[FitColumn]  # the columns between the name and the annotation
    with_notes: bool  # the note columns folded into one (else dropped)
    name_width: int
    annotation_min: int


def _arrange(
    kept: Sequence[FitColumn], notes: Sequence[FitColumn]
) -> list[tuple[FitColumn, int, int]]:
    """(column, least width, wished width) of every column between the name and annotation."""
    arranged = []
    for column in kept:
        if column.fixed:
            arranged.append((column, column.natural, column.natural))
        else:
            least = max(column.header_min, min(column.natural, _PROSE_MIN))
            arranged.append((column, least, max(least, min(column.natural, _PROSE_MAX))))
    if notes:
        folded = _notes_column(notes)
        least = max(folded.header_min, min(folded.natural, _NOTES_MIN))
        arranged.append((folded, least, max(least, min(folded.natural, _PROSE_MAX))))
    return arranged


def _notes_column(notes: Sequence[FitColumn]) -> FitColumn:
    """One cell per row: each note column's non-empty text, on its own line, named."""
    cells = []
    for row in zip(*(c.cells for c in notes), strict=True):
        named = [
            f"{(c.label or c.header).lower()}: {text}"
            for c, text in zip(notes, row, strict=True)
            if text
        ]
        cells.append("\n".join(named))
    return FitColumn(NOTES, tuple(cells), note=True)


def _build(
    attempt: _Attempt,
    shown: Sequence[FitColumn],
    lead: Sequence[FitColumn],
    name: FitColumn,
    unique: Sequence[int],
    notes: Sequence[FitColumn],
    annotation: FitColumn,
    width: int,
) -> TablePlan:
    arranged = _arrange(attempt.kept, notes if attempt.with_notes else [])
    columns = [column for column, _, _ in arranged]
    annotation_least = min(max(_CRAMPED, annotation.header_min), annotation.natural)
    # Widths: [name, *arranged, annotation], from their least; `wish` is where each stops.
    widths = [attempt.name_width, *(least for _, least, _ in arranged), annotation_least]
    wish = [
        max(attempt.name_width, name.natural),
        *(wished for _, _, wished in arranged),
        max(annotation_least, min(annotation.natural, _PROSE_MAX * 2)),
    ]
    room = width - sum(widths) - sum(c.natural for c in lead) - GAP * (len(lead) + len(widths) - 1)
    room = _grow(widths, -1, min(wish[-1], _COMFORTABLE), room)  # a readable annotation first
    room = _grow(widths, 0, wish[0], room)  # then whole names
    growing = range(1, len(widths))  # fixed columns already stand at their wish
    while room > 0:  # then the prose columns, evenly, each up to its wish
        wanting = [i for i in growing if widths[i] < wish[i]]
        if not wanting:
            break
        for index in wanting:
            if room > 0:
                widths[index] += 1
                room -= 1
    rows = []
    names_cut = text_cut = False
    for row_index, text in enumerate(name.cells):
        cells = [fit_name(text, widths[0], unique[row_index])]
        for position, column in enumerate(columns, start=1):
            cell_text = column.cells[row_index]
            cells.append(
                Cell((cell_text,)) if column.fixed else wrap(cell_text, widths[position], MAX_LINES)
            )
        cells.append(wrap(annotation.cells[row_index], widths[-1], MAX_LINES))
        names_cut = names_cut or cells[0].cut
        text_cut = text_cut or any(c.cut for c in cells[1:])
        rows.append((*(Cell((c.cells[row_index],)) for c in lead), *cells))
    folded = tuple(c.header for c in notes) if attempt.with_notes else ()
    kept = {c.header for c in columns} | set(folded)
    return TablePlan(
        headers=(
            *(c.header for c in lead),
            name.header,
            *(c.header for c in columns),
            annotation.header,
        ),
        widths=(*(c.natural for c in lead), *widths),
        rows=tuple(rows),
        dropped=tuple(c.header for c in shown if c.header not in kept),
        folded=folded,
        names_cut=names_cut,
        text_cut=text_cut,
    )


def _grow(widths: list[int], index: int, target: int, room: int) -> int:
    """Widen ``widths[index]`` towards ``target`` out of ``room``; what room is left."""
    grow = max(0, min(room, target - widths[index]))
    widths[index] += grow
    return room - grow
