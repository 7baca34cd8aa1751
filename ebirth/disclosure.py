"""Disclosure control for the published figures: no figure may let a reader work out how
many families — fewer than five — are behind a cell, neither read off the page nor
computed from the totals, the other rows or the other tables of the same page or CSV.

The figures of one year are *counts of families* (``values``: key → count) bound by
*lines*: a total that is the sum of its parts (the families of the year are the sum of the
families per province, and also of the families per kind of service, …). Every other figure
(hours, files, averages, percentages) is computed from counts and is hidden with them.

Four rules (``protect``):

1. **Primary suppression** — a count of 1 to 4 families is shown as ``<5`` (``SMALL``).
2. **Withheld lines** — when a line's total is itself fewer than five, every cell of the
   line is shown as ``<5``, zeros included (zero is fewer than five too): otherwise
   "Limburg <5, the other provinces 0" would say that Limburg holds the total. The same for
   a line that needs a complement but holds nothing of five or more (its shown cells are
   zeros). A reader knows a ``<5`` holds 1 to 4, or 0 to 4 in a line shown all ``<5``.
3. **Complementary suppression** — a line with exactly one hidden cell gives it back by
   subtraction, so a second cell of that line is hidden as ``×`` (``PROTECTED``): the
   smallest count of five or more that is not itself a total (a total would open every
   line it closes). Then the published figures are attacked (``attack``): every line's
   equation with what a reader knows of each hidden cell (``reader_bounds``; a ``×`` is at
   least 5, complements being chosen among such counts), solved by linear algebra (a
   hidden cell fixed by the equations alone) and by ranges (a hidden cell forced to one
   value by the others' ranges, e.g. two cells ``<5`` in a line that needs 8). A cell so
   recovered gets one more complement in one of its lines, and the attack runs again,
   until nothing is recovered.
4. **Unpublished breakdowns** — when a recovered cell has nothing of five or more left to
   hide beside it (a handful of families spread thin), the breakdown holding it is not
   published for that year: its cells are shown as ``·``, of which a reader knows nothing.

The lines of one publication share their cells by key: a number printed in two tables is
one cell with one key, hidden in both or in neither (``ebirth.figures`` builds the keys).
Orders a reader knows (``at_most``: the families with kraamzorg of a province are at most
its families with a birth; a rate's numerator at most its denominator) narrow the ranges
too. Other relations (families against babies, hours against families) are not modelled:
hours, files and averages are hidden with the counts they come from."""

from __future__ import annotations

import itertools
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction

MIN_FAMILIES = 5
PROPAGATION_ROUNDS = 500  # the ranges settle in a few rounds; a bound, not a setting
SMALL_SYMBOL = "<5"
PROTECTED_SYMBOL = "×"
UNPUBLISHED_SYMBOL = "·"

Key = Hashable
Bounds = tuple[int, int | None]  # what a reader knows of a cell: low, high (None: no limit)


class State(StrEnum):
    SHOWN = "shown"
    SMALL = "small"  # fewer than five families (rule 1), or in a withheld line (rule 2)
    PROTECTED = "protected"  # hidden so that no small cell can be worked out (rule 3)
    UNPUBLISHED = "unpublished"  # a breakdown not published for the year (rule 4)


SYMBOLS = {
    State.SMALL: SMALL_SYMBOL,
    State.PROTECTED: PROTECTED_SYMBOL,
    State.UNPUBLISHED: UNPUBLISHED_SYMBOL,
}


@dataclass(frozen=True)
class Line:
    """``total`` is the sum of ``parts``: a table's total row, or a total shared by tables."""

    total: Key
    parts: tuple[Key, ...]

    @property
    def cells(self) -> tuple[Key, ...]:
        return (self.total, *self.parts)


@dataclass
class Suppression:
    """Which cells are hidden, how, and what a reader knows of each hidden cell."""

    hidden: dict[Key, State] = field(default_factory=dict)
    bounds: dict[Key, Bounds] = field(default_factory=dict)

    def state(self, *keys: Key) -> State:
        """The state of a figure computed from these counts: ``<5`` when one of them is
        small, else ``·`` when one is not published, else ``×`` when one is protected,
        else shown."""
        states = {self.hidden.get(key, State.SHOWN) for key in keys}
        for state in (State.SMALL, State.UNPUBLISHED, State.PROTECTED):
            if state in states:
                return state
        return State.SHOWN

    def is_hidden(self, *keys: Key) -> bool:
        return self.state(*keys) != State.SHOWN

    @property
    def complementary(self) -> set[Key]:
        return {key for key, state in self.hidden.items() if state == State.PROTECTED}


def protect(
    values: Mapping[Key, int],
    lines: Sequence[Line],
    *,
    at_most: Sequence[tuple[Key, Key]] = (),
    minimum: int = MIN_FAMILIES,
) -> Suppression:
    """The suppression of one publication (see the module): ``values`` every count it
    shows (zeros included), ``lines`` the sums between them, ``at_most`` the pairs a
    reader knows to be ordered (the families with kraamzorg of a province are at most its
    families with a birth)."""
    lines = [line for line in lines if all(cell in values for cell in line.cells)]
    at_most = [(a, b) for a, b in at_most if a in values and b in values]
    partners: dict[Key, list[Key]] = {}
    larger: dict[Key, list[Key]] = {}
    for a, b in at_most:
        partners.setdefault(a, []).append(b)
        partners.setdefault(b, []).append(a)
        larger.setdefault(a, []).append(b)
    result = Suppression()
    for key, value in values.items():
        if 0 < value < minimum:
            result.hidden[key] = State.SMALL
    totals = {line.total for line in lines}
    lines_of: dict[Key, list[Line]] = {}
    for line in lines:
        for cell in line.cells:
            lines_of.setdefault(cell, []).append(line)

    def candidates(line: Line) -> list[Key]:
        """The cells of a line that can take a complement, best first."""
        return sorted(
            (c for c in line.cells if c not in result.hidden and values[c] >= minimum),
            key=lambda c: (c in totals, values[c], len(lines_of.get(c, ())), repr(c)),
        )

    def zero_by_order(cell: Key) -> bool:
        """A zero a reader reads off a shown zero it is at most (no babies of a short stay:
        none of them readmitted): shown as it is."""
        return values[cell] == 0 and any(
            values[b] == 0 and b not in result.hidden for b in larger.get(cell, ())
        )

    def withhold(line: Line) -> bool:
        """Show a line all ``<5``: only a line whose every cell is fewer than five."""
        if any(values[cell] >= minimum for cell in line.cells):
            return False
        cells = [
            cell
            for cell in line.cells
            if not zero_by_order(cell) and result.hidden.get(cell) != State.UNPUBLISHED
        ]
        changed = any(result.hidden.get(cell) != State.SMALL for cell in cells)
        for cell in cells:
            result.hidden[cell] = State.SMALL
        return changed

    def unpublish(recovered: set[Key]) -> bool:
        """Rule 4: not publish the parts of one line holding a recovered cell — the line
        that shows the least of itself — or the cell alone when it is in no line; zeros
        stay shown."""
        for cell in sorted(recovered, key=repr):
            held = sorted(
                lines_of.get(cell, ()),
                key=lambda line: (
                    sum(c not in result.hidden and values[c] > 0 for c in line.parts),
                    repr(line),
                ),
            )
            for cells in [*([c for c in line.parts if values[c] > 0] for line in held), [cell]]:
                if any(result.hidden.get(c) != State.UNPUBLISHED for c in cells):
                    for c in cells:
                        result.hidden[c] = State.UNPUBLISHED
                    return True
        return False

    def bounds() -> dict[Key, Bounds]:
        zeros = {c for c in values if c not in result.hidden and zero_by_order(c)}
        return reader_bounds(result.hidden, lines, minimum, zeros)

    for _round in range(len(values) + 1):
        before = len(result.hidden)
        _settle_lines(result, lines, candidates, withhold)
        result.bounds = bounds()
        recovered = attack(_published(values, result), lines, result.bounds, at_most, values)
        if not recovered:
            return result
        for cell in sorted(recovered, key=repr):
            options = [c for line in lines_of.get(cell, ()) for c in candidates(line)]
            if not options:  # given away by an order: hide beside the cell it is ordered with
                for partner in partners.get(cell, ()):
                    if partner not in result.hidden and values[partner] >= minimum:
                        options.append(partner)
                    options += [c for line in lines_of.get(partner, ()) for c in candidates(line)]
            if options:
                best = min(options, key=lambda c: (c in totals, values[c], repr(c)))
                result.hidden[best] = State.PROTECTED
                break
        else:  # nothing of five or more beside them
            changed = False
            for cell in recovered:  # lines holding fewer than five each: withheld
                for line in lines_of.get(cell, ()):
                    changed |= withhold(line)
            if not changed:  # rule 4: the breakdown holding it is not published this year
                changed = unpublish(recovered)
            if not changed:
                break
            continue
        if len(result.hidden) == before:
            break
    result.bounds = bounds()
    return result


def _settle_lines(result: Suppression, lines: Sequence[Line], candidates, withhold) -> None:
    """Rules 2 and 3 to a fixpoint: a small total withholds its line; a line with one
    hidden cell gets a complement, or, when it has nothing of five or more to hide (all its
    shown cells are zeros), is withheld whole."""
    changed = True
    while changed:
        changed = False
        for line in lines:
            hidden = [cell for cell in line.cells if cell in result.hidden]
            if result.hidden.get(line.total) == State.SMALL and len(hidden) < len(line.cells):
                changed |= withhold(line)
            elif len(hidden) == 1:
                options = candidates(line)
                if options:
                    result.hidden[options[0]] = State.PROTECTED
                    changed = True
                else:
                    changed |= withhold(line)


def reader_bounds(
    hidden: Mapping[Key, State],
    lines: Sequence[Line],
    minimum: int = MIN_FAMILIES,
    zeros_by_order: Iterable[Key] = (),
) -> dict[Key, Bounds]:
    """What a reader knows of each hidden cell from what is shown: ``×`` is at least
    ``minimum`` (complements are chosen among such counts); ``·`` anything; ``<5`` is 1 to
    4, or 0 to 4 in a line that shows nothing but ``<5`` and ``·`` (a withheld line, whose
    zeros are hidden too — but for the zeros a reader reads off an order,
    ``zeros_by_order``, shown as 0)."""
    zeros = set(zeros_by_order)
    withheld = {
        cell
        for line in lines
        if all(hidden.get(c) in (State.SMALL, State.UNPUBLISHED) or c in zeros for c in line.cells)
        and any(hidden.get(c) == State.SMALL for c in line.cells)
        for cell in line.cells
    }
    bounds: dict[Key, Bounds] = {}
    for key, state in hidden.items():
        if state == State.PROTECTED:
            bounds[key] = (minimum, None)
        elif state == State.UNPUBLISHED:
            bounds[key] = (0, None)
        else:
            bounds[key] = (0 if key in withheld else 1, minimum - 1)
    return bounds


def _published(values: Mapping[Key, int], suppression: Suppression) -> dict[Key, int | None]:
    return {key: None if key in suppression.hidden else value for key, value in values.items()}


# --- the attack -------------------------------------------------------------------------------


def attack(
    published: Mapping[Key, int | None],
    lines: Iterable[Line],
    bounds: Mapping[Key, Bounds],
    at_most: Iterable[tuple[Key, Key]] = (),
    truth: Mapping[Key, int] | None = None,
) -> set[Key]:
    """The hidden cells (``None`` in ``published``) a reader can recover exactly from the
    shown cells, the lines, the orders and ``bounds`` (what they know of each hidden
    cell). With ``truth`` (the suppression knows it), the groups of hidden cells that orders
    tie across lines — where narrowing ranges cell by cell can miss a sum of orders — are
    also searched exhaustively."""
    lines = [line for line in lines if all(cell in published for cell in line.cells)]
    at_most = [(a, b) for a, b in at_most if a in published and b in published]
    hidden = [key for key, value in published.items() if value is None]
    if not hidden:
        return set()
    recovered = _fixed_by_equations(published, lines, hidden) | _fixed_by_bounds(
        published, lines, hidden, bounds, at_most
    )
    if truth is not None:
        recovered |= _fixed_by_search(published, lines, hidden, bounds, at_most, truth)
    return recovered


def _fixed_by_equations(published, lines, hidden) -> set[Key]:
    """Hidden cells the equations alone fix, whatever the bounds: in the reduced row
    echelon form of the lines over the hidden cells, a pivot whose row has no free cell."""
    column = {key: i for i, key in enumerate(hidden)}
    rows = []
    for line in lines:
        row = [Fraction(0)] * len(hidden)
        for cell, sign in [(line.total, 1), *((part, -1) for part in line.parts)]:
            if cell in column:
                row[column[cell]] += sign
        if any(row):
            rows.append(row)
    pivots = _reduce(rows, len(hidden))
    free = set(range(len(hidden))) - {col for _row, col in pivots}
    return {hidden[col] for row, col in pivots if not any(rows[row][j] for j in free)}


def _reduce(rows: list[list[Fraction]], width: int) -> list[tuple[int, int]]:
    """Reduced row echelon form in place; the (row, column) of each pivot."""
    pivots, top = [], 0
    for col in range(width):
        pivot = next((r for r in range(top, len(rows)) if rows[r][col] != 0), None)
        if pivot is None:
            continue
        rows[top], rows[pivot] = rows[pivot], rows[top]
        lead = rows[top][col]
        rows[top] = [value / lead for value in rows[top]]
        for r in range(len(rows)):
            if r != top and rows[r][col] != 0:
                factor = rows[r][col]
                rows[r] = [a - factor * b for a, b in zip(rows[r], rows[top], strict=True)]
        pivots.append((top, col))
        top += 1
    return pivots


def _ranges(published, hidden, bounds) -> tuple[dict, dict]:
    low = {key: bounds.get(key, (0, None))[0] for key in hidden}
    high = {key: bounds.get(key, (0, None))[1] for key in hidden}
    for key, value in published.items():
        if value is not None:
            low[key] = high[key] = value
    return low, high


def _narrow(low: dict, high: dict, lines, at_most) -> bool:
    """Narrow the ranges over the lines and the orders to a fixpoint, in place; False
    when they contradict each other (no values fit)."""
    for _round in range(PROPAGATION_ROUNDS):
        changed = False
        for line in lines:
            for cell, lo, hi in _ranges_in(line, low, high):
                if lo > low[cell]:
                    low[cell], changed = lo, True
                if hi is not None and (high[cell] is None or hi < high[cell]):
                    high[cell], changed = hi, True
        for smaller, larger in at_most:
            if high[larger] is not None and (high[smaller] is None or high[smaller] > high[larger]):
                high[smaller], changed = high[larger], True
            if low[smaller] > low[larger]:
                low[larger], changed = low[smaller], True
        if any(high[k] is not None and low[k] > high[k] for k in low):
            return False
        if not changed:
            break
    return True


def _fixed_by_bounds(published, lines, hidden, bounds, at_most=()) -> set[Key]:
    """Hidden cells squeezed to one value by the ranges of the others (interval
    propagation over the lines and the orders to a fixpoint)."""
    low, high = _ranges(published, hidden, bounds)
    _narrow(low, high, lines, at_most)
    return {key for key in hidden if high[key] is not None and low[key] >= high[key]}


SEARCH_BUDGET = 20000  # nodes per question; beyond it the cell counts as recovered


def _fixed_by_search(published, lines, hidden, bounds, at_most, truth) -> set[Key]:
    """Hidden cells that can take no other value than their own, in the groups of hidden
    cells that an order ties across lines (two hidden cells ordered): a depth-first search
    for another solution. A question the budget cannot
    settle is answered "recovered" (another complement is cheaper than a doubt)."""
    hidden_set = set(hidden)
    group = {key: {key} for key in hidden}
    ties = [(a, b) for a, b in at_most if a in hidden_set and b in hidden_set]
    for cells in [*(line.cells for line in lines), *ties]:
        inside = [c for c in cells if c in hidden_set]
        for a, b in itertools.pairwise(inside):
            if group[a] is not group[b]:
                merged = group[a] | group[b]
                for c in merged:
                    group[c] = merged
    tied = {id(group[a]): group[a] for a, _b in ties}
    if not tied:
        return set()
    low, high = _ranges(published, hidden, bounds)
    cap = 2 * max((v for v in truth.values()), default=0) + 50  # above any true count
    recovered = set()
    for cells in sorted(tied.values(), key=lambda group: sorted(map(repr, group))):
        held = [line for line in lines if cells & set(line.cells)]
        orders = [(a, b) for a, b in at_most if a in cells or b in cells]
        keys = {c for line in held for c in line.cells} | cells | {c for o in orders for c in o}
        lo = {k: low[k] for k in keys}
        hi = {k: cap if high[k] is None else high[k] for k in keys}
        for cell in sorted(cells, key=repr):
            value = truth[cell]
            other = [
                _feasible({**lo, cell: lo[cell]}, {**hi, cell: value - 1}, held, orders),
                _feasible({**lo, cell: value + 1}, {**hi}, held, orders),
            ]
            if not any(other):
                recovered.add(cell)
    return recovered


def _feasible(low: dict, high: dict, lines, at_most) -> bool:
    """Whether whole numbers within the ranges satisfy the lines and orders: a depth-first
    search that gives the narrowest open cell its lowest value (the others later) and
    narrows again; ``False`` also when the budget runs out before an answer."""
    stack, nodes = [(low, high)], 0
    while stack and nodes < SEARCH_BUDGET:
        nodes += 1
        lo, hi = stack.pop()
        lo, hi = dict(lo), dict(hi)
        if any(lo[k] > hi[k] for k in lo) or not _narrow(lo, hi, lines, at_most):
            continue
        open_cells = [k for k in lo if lo[k] != hi[k]]
        if not open_cells:
            return True  # narrowed to one value each: every line holds
        cell = min(open_cells, key=lambda k: (hi[k] - lo[k], repr(k)))
        stack.append(({**lo, cell: lo[cell] + 1}, hi))  # the other values, later
        stack.append((lo, {**hi, cell: lo[cell]}))  # its lowest value, first
    return False


def _ranges_in(line: Line, low, high):
    """The range the line leaves each of its cells, given the ranges of the others: the
    total between the sums of its parts' lows and highs, a part between the total less the
    others' highs and the total less the others' lows (never below zero)."""
    parts = line.parts
    part_low = [low[p] for p in parts]
    part_high = [high[p] for p in parts]
    sum_low = sum(part_low)
    open_high = part_high.count(None)
    sum_high = sum(h for h in part_high if h is not None)
    yield line.total, sum_low, None if open_high else sum_high
    total_low, total_high = low[line.total], high[line.total]
    for part, lo, hi in zip(parts, part_low, part_high, strict=True):
        others_open = open_high - (hi is None)
        least = total_low - (sum_high - (hi or 0)) if not others_open else 0
        most = None if total_high is None else total_high - (sum_low - lo)
        yield part, max(least, 0), most


def check(
    values: Mapping[Key, int],
    lines: Sequence[Line],
    suppression: Suppression,
    at_most: Sequence[tuple[Key, Key]] = (),
) -> set[Key]:
    """What ``attack`` recovers from a suppression (empty when it holds): for tests."""
    return attack(_published(values, suppression), lines, suppression.bounds, at_most, values)
