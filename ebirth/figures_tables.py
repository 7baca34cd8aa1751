"""The figures as they are shown — on the page, in its CSV and through the API — from the
counts ``ebirth.figures`` keeps per year: every table with years as columns, each year's
cells hidden by the disclosure control of ``ebirth.disclosure`` (the same cells in all
three), numbers the Belgian way (76.887,48)."""

from __future__ import annotations

import datetime
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from careplan.schedule import SHORT_STAY
from dossier.geography import Province
from ebirth import disclosure
from ebirth.disclosure import MIN_FAMILIES, State
from ebirth.figures import (
    ALWAYS_SHOWN,
    DIMENSIONS,
    INDICATORS,
    KZ_NO_REQUEST,
    NEED_DELIVERED,
    NEED_FAMILIES,
    NEED_HOURS,
    READMIT_MOTHER,
    READMIT_NEWBORN,
    REQUESTED,
    REQUESTED_KZ,
    REQUESTED_NO_KZ,
    STAY_COUNT,
    STAYS,
    UNKNOWN,
    Indicator,
    at_most,
    count_keys,
    is_provisional,
    kept_years,
    key,
    lines,
    total,
    ward_key,
    wilson,
)

# --- showing: cells, suppression, formatting -------------------------------------------------


def _rounded(value: Decimal, decimals: int) -> Decimal:
    """Half up, as people round (45,455 → 45,46), before the Belgian formatting."""
    return Decimal(value).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def number(value, decimals: int = 0) -> str:
    if decimals:
        value = _rounded(Decimal(str(value)), decimals)
    return number_format(value, decimals, force_grouping=True)


@dataclass
class Cell:
    text: str
    value: object = None  # the number behind the text (for the API), None when hidden
    state: str = State.SHOWN


EMPTY = "—"


def hidden_cell(state: State) -> Cell:
    return Cell(disclosure.SYMBOLS[state], None, state)


class Published:
    """One year of one scope (the country or a ward) as it may be published: its counts
    with the disclosure control applied; every cell asked of it is hidden with the counts
    it is computed from."""

    def __init__(self, data: dict, *, kraamzorg: bool = True):
        self.data = data
        stored = data.get("counts", {})
        self.values = {k: int(stored.get(k, 0)) for k in count_keys(kraamzorg=kraamzorg)}
        self.lines = lines(kraamzorg=kraamzorg)
        self.at_most = at_most(kraamzorg=kraamzorg)
        self.suppression = disclosure.protect(self.values, self.lines, at_most=self.at_most)

    def _state(self, *keys: str) -> State:
        return self.suppression.state(*keys)

    def value(self, name: str) -> int:
        return self.values.get(name, 0)

    def count(self, name: str) -> Cell:
        state = self._state(name)
        if state != State.SHOWN:
            return hidden_cell(state)
        return Cell(number(self.value(name)), self.value(name))

    def hours(self, hours_key: str, count_key: str) -> Cell:
        """A sum of hours, shown with the families it belongs to (two decimals)."""
        state = self._state(count_key)
        if state != State.SHOWN:
            return hidden_cell(state)
        hours = Decimal(self.data.get("hours", {}).get(hours_key, "0"))
        return Cell(number(hours, 2), float(_rounded(hours, 2)))

    def files(self, files_key: str, count_key: str) -> Cell:
        state = self._state(count_key)
        if state != State.SHOWN:
            return hidden_cell(state)
        files = int(self.data.get("counts", {}).get(files_key, 0))
        return Cell(number(files), files)

    def mean(self, amount, count_key: str, decimals: int = 2) -> Cell:
        """An average over the families of ``count_key``: only from enough of them."""
        state = self._state(count_key)
        if state != State.SHOWN:
            return hidden_cell(state)
        families = self.value(count_key)
        if not families:
            return Cell(EMPTY)
        value = _rounded(Decimal(str(amount)) / families, decimals)
        return Cell(number(value, decimals), float(value))

    def per_family(self, hours_key: str, count_key: str) -> Cell:
        return self.mean(self.data.get("hours", {}).get(hours_key, "0"), count_key)

    def share(self, part: str, whole: str) -> Cell:
        state = self._state(part, whole)
        if state != State.SHOWN:
            return hidden_cell(state)
        if not self.value(whole):
            return Cell(EMPTY)
        percent = _rounded(Decimal(self.value(part) * 100) / self.value(whole), 1)
        return Cell(f"{number(percent, 1)} %", float(percent))

    def rate(self, num: str, den: str) -> Cell:
        """A percentage with its 95 % Wilson interval: "2,3 % (1,9–2,8)"."""
        state = self._state(num, den)
        if state != State.SHOWN:
            return hidden_cell(state)
        n, d = self.value(num), self.value(den)
        if not d:
            return Cell(EMPTY)
        low, high = wilson(n, d)
        percent = _rounded(Decimal(n * 100) / d, 1)
        text = f"{number(percent, 1)} % ({number(low * 100, 1)}–{number(high * 100, 1)})"
        return Cell(text, float(percent))

    def out_of(self, num: str, den: str) -> Cell:
        """ "12 / 523": the numerator out of the denominator. The numerator is hidden with
        the rate, also when only the denominator is (it would bound it: n ≤ N)."""
        num_state, den_state = self._state(num, den), self._state(den)
        shown = [
            number(self.value(k)) if state == State.SHOWN else disclosure.SYMBOLS[state]
            for k, state in ((num, num_state), (den, den_state))
        ]
        value = self.value(num) if num_state == State.SHOWN else None
        return Cell(" / ".join(shown), value, num_state)


@dataclass
class Row:
    label: str
    measure: str
    cells: list[Cell]
    total: bool = False


@dataclass
class Table:
    key: str
    title: str
    columns: list[str]
    rows: list[Row] = field(default_factory=list)
    note: str = ""
    bars: list[tuple[str, float]] = field(default_factory=list)  # a chart: shown cells only


@dataclass
class Year:
    year: int
    provisional: bool
    computed_at: datetime.datetime | None
    national: Published
    ward: Published | None = None

    @property
    def label(self) -> str:
        return f"{self.year} ({_('provisional')})" if self.provisional else str(self.year)


def _province_label(code: str) -> str:
    return str(Province(code).label) if code in Province.values else _("Unknown")


def _province_codes(years: list[Year], population: str) -> list[str]:
    """The provinces of a table: Brussels and Flanders always, the others when they hold
    families in one of the years."""
    return [
        code
        for code in DIMENSIONS["province"]
        if code in ALWAYS_SHOWN
        or any(
            y.national.value(key(population, "province", code))
            or y.national.value(key("B", "province", code))
            for y in years
        )
    ]


def kraamzorg_table(years: list[Year]) -> Table:
    """Seed 000/001: per province the hours, families, files and hours per family."""
    table = Table(
        "kraamzorg",
        _("Maternity home help (kraamzorg) per province"),
        [y.label for y in years],
        note=_(
            "A family counts in the year its baby was born, with all its hours; the province "
            "is the mother's. Case files: a family helped by two services has two."
        ),
    )
    for code in [*_province_codes(years, "K"), "all"]:
        dim, label = ("all", _("Total")) if code == "all" else ("province", _province_label(code))
        cat = "all" if code == "all" else code
        families, hours, files = key("K", dim, cat), key("H", dim, cat), key("F", dim, cat)
        for measure, cell in (
            (_("Hours"), lambda y, h=hours, f=families: y.national.hours(h, f)),
            (_("Families"), lambda y, f=families: y.national.count(f)),
            (_("Case files"), lambda y, n=files, f=families: y.national.files(n, f)),
            (_("Hours per family"), lambda y, h=hours, f=families: y.national.per_family(h, f)),
        ):
            table.rows.append(Row(label, measure, [cell(y) for y in years], code == "all"))
    if years:
        latest = years[-1].national
        for code in _province_codes(years, "K"):
            families = key("K", "province", code)
            if latest.suppression.is_hidden(families) or not latest.value(families):
                continue
            hours = Decimal(latest.data.get("hours", {}).get(key("H", "province", code), "0"))
            table.bars.append((_province_label(code), float(hours)))
    return table


def kind_table(years: list[Year]) -> Table:
    """Seed 000 question 2: families and their hours by public and private services."""
    table = Table(
        "kind",
        _("Families and hours by public and private services"),
        [y.label for y in years],
        note=_("A family counts under the kind of service that gave it most of its hours."),
    )
    for cat, label in (
        ("public", _("Public services")),
        ("private", _("Private services")),
        ("all", _("Total")),
    ):
        dim = "all" if cat == "all" else "kind"
        families, hours = key("K", dim, cat), key("H", dim, cat)
        table.rows.append(
            Row(label, _("Families"), [y.national.count(families) for y in years], cat == "all")
        )
        table.rows.append(
            Row(
                label,
                _("Hours"),
                [y.national.hours(hours, families) for y in years],
                cat == "all",
            )
        )
    return table


def services_table(years: list[Year]) -> Table:
    """Seed 001 question 4: the services that delivered, per province of the families they
    served (a service in every such province) and distinct. Organisations, not families:
    not suppressed."""
    table = Table(
        "services",
        _("Services that delivered maternity home help"),
        [y.label for y in years],
        note=_(
            "A service counts in every province whose families it served; the total counts "
            "each service once."
        ),
    )

    def services(y: Year) -> dict:
        return y.national.data.get("services", {})

    codes = [
        code
        for code in DIMENSIONS["province"]
        if code in ALWAYS_SHOWN or any(code in services(y).get("provinces", {}) for y in years)
    ]
    for code in codes:
        cells = []
        for y in years:
            sides = services(y).get("provinces", {}).get(code, {})
            n = sides.get("public", 0) + sides.get("private", 0)
            cells.append(Cell(number(n), n))
        table.rows.append(Row(_province_label(code), _("Services"), cells))
    for side, label in (
        ("all", _("Total (distinct services)")),
        ("public", _("of which public")),
        ("private", _("of which private")),
    ):
        cells = []
        for y in years:
            distinct = services(y).get("distinct", {})
            n = sum(distinct.values()) if side == "all" else distinct.get(side, 0)
            cells.append(Cell(number(n), n))
        table.rows.append(Row(label, _("Services"), cells, True))
    return table


def need_table(years: list[Year]) -> Table:
    """Requested against delivered: the unmet need (the discharge list's request, the
    estimated need in hours)."""
    table = Table(
        "need",
        _("Maternity home help requested and delivered"),
        [y.label for y in years],
        note=_(
            "Requested: on the discharge checklist. The estimated need is the hours the "
            "midwife estimated before or after the birth."
        ),
    )
    rows = (
        (_("Families who requested it"), lambda p: p.count(REQUESTED)),
        (_("… and received it"), lambda p: p.count(REQUESTED_KZ)),
        (_("… and received none (unmet need)"), lambda p: p.count(REQUESTED_NO_KZ)),
        (
            _("Families who received it without a recorded request"),
            lambda p: p.count(KZ_NO_REQUEST),
        ),
        (_("Families with an estimated need"), lambda p: p.count(NEED_FAMILIES)),
        (_("Hours needed (estimate)"), lambda p: p.hours(NEED_HOURS, NEED_FAMILIES)),
        (_("Hours delivered to them"), lambda p: p.hours(NEED_DELIVERED, NEED_FAMILIES)),
        (_("Share of the estimated need delivered"), lambda p: _need_share(p)),
    )
    for label, cell in rows:
        table.rows.append(Row(label, "", [cell(y.national) for y in years]))
    return table


def _need_share(p: Published) -> Cell:
    state = p.suppression.state(NEED_FAMILIES)
    if state != State.SHOWN:
        return hidden_cell(state)
    needed = Decimal(p.data.get("hours", {}).get(NEED_HOURS, "0"))
    if not needed:
        return Cell(EMPTY)
    delivered = Decimal(p.data.get("hours", {}).get(NEED_DELIVERED, "0"))
    percent = _rounded(delivered * 100 / needed, 1)
    return Cell(f"{number(percent, 1)} %", float(percent))


def coverage_table(years: list[Year], official: dict[int, tuple[int, str]]) -> Table:
    """Births in the record against the births of the year (Statbel), so that a low uptake
    is not read where the record holds few of the births."""
    table = Table(
        "coverage",
        _("Coverage: births in the record against births of the year"),
        [y.label for y in years],
        note=_(
            "Births of the year: the official number of live births (Statbel), entered by "
            "an administrator. Sources: %(sources)s."
        )
        % {
            "sources": "; ".join(sorted({official[y.year][1] for y in years if y.year in official}))
            or _("none entered yet")
        },
    )
    recorded, births, coverage = [], [], []
    for y in years:
        cell = y.national.count(total("N"))
        recorded.append(cell)
        if y.year in official:
            n = official[y.year][0]
            births.append(Cell(number(n), n))
            if cell.state == State.SHOWN and n:
                percent = _rounded(Decimal(y.national.value(total("N")) * 100) / n, 1)
                coverage.append(Cell(f"{number(percent, 1)} %", float(percent)))
            else:
                coverage.append(Cell(cell.text if cell.state != State.SHOWN else EMPTY))
        else:
            births.append(Cell(EMPTY))
            coverage.append(Cell(EMPTY))
    table.rows += [
        Row(_("Live-born babies in the record"), "", recorded),
        Row(
            _("Families with a birth in the record"),
            "",
            [y.national.count(total("B")) for y in years],
        ),
        Row(_("Live births of the year (official)"), "", births),
        Row(_("Coverage of the record"), "", coverage, True),
    ]
    return table


EQUITY_GROUPS = (
    (
        "vulnerability",
        gettext_lazy("Vulnerability (psychosocial anamnesis)"),
        {
            "yes": gettext_lazy("Vulnerable family"),
            "no": gettext_lazy("Not vulnerable"),
            UNKNOWN: gettext_lazy("No anamnesis"),
        },
    ),
    (
        "parity",
        gettext_lazy("Parity"),
        {
            "0": gettext_lazy("First child"),
            "1": gettext_lazy("Second child"),
            "2+": gettext_lazy("Third child or later"),
        },
    ),
    (
        "multiple",
        gettext_lazy("Multiple birth"),
        {"single": gettext_lazy("One baby"), "multiple": gettext_lazy("Twins or more")},
    ),
)


def equity_table(years: list[Year]) -> Table:
    """Seed 002: who receives kraamzorg — uptake and hours by vulnerability, parity,
    multiple birth and province."""
    table = Table(
        "equity",
        _("Uptake of maternity home help by family situation"),
        [y.label for y in years],
        note=_("Uptake: families with maternity home help out of the families with a birth."),
    )
    groups = [*EQUITY_GROUPS, ("province", _("Province"), None)]
    for dimension, title, labels in groups:
        categories = _province_codes(years, "K") if dimension == "province" else list(labels or {})
        for cat in categories:
            births, families = key("B", dimension, cat), key("K", dimension, cat)
            hours = key("H", dimension, cat)
            if cat == UNKNOWN and not any(y.national.value(births) for y in years):
                continue
            label = _province_label(cat) if dimension == "province" else str(labels[cat])
            label = f"{title}: {label}"
            for measure, cell in (
                (_("Families with a birth"), lambda y, b=births: y.national.count(b)),
                (_("With maternity home help"), lambda y, f=families: y.national.count(f)),
                (_("Uptake"), lambda y, f=families, b=births: y.national.share(f, b)),
                (_("Hours per family"), lambda y, h=hours, f=families: y.national.per_family(h, f)),
            ):
                table.rows.append(Row(label, measure, [cell(y) for y in years]))
    return table


def rate_measure() -> str:
    return _("rate (%(level)s interval)") % {"level": "95 %"}


def _indicator_rows(indicator: Indicator, cell_of) -> list[Row]:
    """An indicator's rows: the rate with its interval and "n / N"; a readmission also per
    length of stay."""
    stays = ("all", *STAYS) if indicator.split else ("all",)
    stay_labels = {
        "all": "",
        "short": _("short stay"),
        "classic": _("classic stay"),
        "other": _("no hospital stay or not known"),
    }
    rows = []
    for stay in stays:
        label = indicator.title
        if stay != "all":
            label = f"{label} — {stay_labels[stay]}"
        num, den = indicator.num_of(stay), indicator.den_of(stay)
        rows.append(Row(label, rate_measure(), cell_of(lambda p, n=num, d=den: p.rate(n, d))))
        rows.append(Row(label, _("n / N"), cell_of(lambda p, n=num, d=den: p.out_of(n, d))))
    return rows


def _averages_rows(cell_of) -> list[Row]:
    return [
        Row(
            _("Calls to the midwife line per family"),
            _("mean"),
            cell_of(lambda p: p.mean(p.data.get("calls", 0), total("B"))),
        ),
        Row(
            _("Length of stay in hospital (hours)"),
            _("median"),
            cell_of(_median_cell),
        ),
    ]


def _median_cell(p: Published) -> Cell:
    state = p.suppression.state(STAY_COUNT)
    if state != State.SHOWN:
        return hidden_cell(state)
    median = p.data.get("stay_median_hours")
    if median is None:
        return Cell(EMPTY)
    return Cell(number(median, 1), round(float(median), 1))


def quality_table(years: list[Year]) -> Table:
    """The quality indicators of the country's births (R24, R25, R33)."""
    table = Table(
        "quality",
        _("Quality indicators"),
        [y.label for y in years],
        note=_(
            "Readmissions of the newborn and of the mother apart, per length of stay; the "
            "interval is the %(level)s confidence interval. Short stay: home within "
            "%(hours)s hours of the birth."
        )
        % {"level": "95 %", "hours": int(SHORT_STAY.total_seconds() // 3600)},
    )

    def cell_of(make):
        return [make(y.national) for y in years]

    for indicator in INDICATORS:
        table.rows += _indicator_rows(indicator, cell_of)
    table.rows += _averages_rows(cell_of)
    return table


def wards_table(years: list[Year]) -> Table:
    """Anonymous benchmarking: how many maternity wards lie significantly above or below
    the national readmission rates. No ward is named (each ward sees its own figures)."""
    table = Table(
        "wards",
        _("Maternity wards against the national readmission rates"),
        [y.label for y in years],
        note=_(
            "A ward lies significantly above (below) when its whole %(level)s interval lies "
            "above (below) the national rate; only wards with at least %(n)s births are "
            "compared."
        )
        % {"level": "95 %", "n": MIN_FAMILIES},
    )

    def summary(y: Year) -> dict:
        return y.national.data.get("ward_summary", {})

    table.rows.append(
        Row(
            _("Maternity wards in the record"),
            "",
            [Cell(number(summary(y).get("wards", 0)), summary(y).get("wards", 0)) for y in years],
        )
    )
    for indicator in (READMIT_NEWBORN, READMIT_MOTHER):
        for side, measure in (
            ("compared", _("wards compared")),
            ("above", _("significantly above")),
            ("below", _("significantly below")),
        ):
            cells = []
            for y in years:
                n = summary(y).get(indicator.key, {}).get(side, 0)
                cells.append(Cell(number(n), n))
            table.rows.append(Row(indicator.title, measure, cells))
    return table


@dataclass
class Figures:
    years: list[Year]
    tables: list[Table]


def official_births(years: list[int]) -> dict[int, tuple[int, str]]:
    from ebirth.models import OfficialBirths

    return {
        year: (births, source)
        for year, births, source in OfficialBirths.objects.filter(
            year__in=years, province=""
        ).values_list("year", "births", "source")
    }


# The suppression of a year depends only on its kept counts: kept per process for the
# counts of one moment (a refresh makes a new moment), so pages read again reuse it.
_PUBLISHED: OrderedDict[tuple, Published] = OrderedDict()
PUBLISHED_KEPT = 128


_PUBLISHED_LOCK = threading.Lock()


def published(year: int, computed_at, scope: str, data: dict) -> Published:
    """The year of the country (``scope`` empty) or of a ward as it may be published."""
    cache_key = (year, computed_at, scope)
    with _PUBLISHED_LOCK:
        if cache_key in _PUBLISHED:
            _PUBLISHED.move_to_end(cache_key)
            return _PUBLISHED[cache_key]
    result = Published(data, kraamzorg=not scope)
    with _PUBLISHED_LOCK:
        _PUBLISHED[cache_key] = result
        while len(_PUBLISHED) > PUBLISHED_KEPT:
            _PUBLISHED.popitem(last=False)
    return result


def _published_years(years: list[int], *, ward: str = "") -> list[Year]:
    kept = kept_years(years, wards=bool(ward))
    today = timezone.localdate()
    result = []
    for year in years:
        row = kept[year]
        national = published(year, row.computed_at, "", row.national)
        shown = Year(year, is_provisional(year, today), row.computed_at, national)
        if ward:
            shown.ward = published(year, row.computed_at, ward, row.wards.get(ward, {}))
        result.append(shown)
    return result


def tables(years: list[int]) -> Figures:
    """Every table of the figures page (and its CSV and API) for these years."""
    shown = _published_years(years)
    return Figures(
        shown,
        [
            kraamzorg_table(shown),
            kind_table(shown),
            services_table(shown),
            need_table(shown),
            coverage_table(shown, official_births(years)),
            equity_table(shown),
            quality_table(shown),
            wards_table(shown),
        ],
    )


def ward_tables(years: list[int], ward_name: str) -> Figures:
    """A maternity ward's quality figures beside the national ones, year by year. The ward
    is the one its organisation is named after (``network.access.figures_ward``)."""
    shown = _published_years(years, ward=ward_key(ward_name))
    columns = []
    for y in shown:
        columns += [f"{y.label} · {_('this ward')}", f"{y.label} · {_('national')}"]
    table = Table(
        "ward_quality",
        _("Quality indicators of this maternity ward beside the national figures"),
        columns,
        note=_(
            "The ward's births are those whose delivery names this ward; readmissions count "
            "wherever they happened. The interval is the %(level)s confidence interval."
        )
        % {"level": "95 %"},
    )

    def cell_of(make):
        cells = []
        for y in shown:
            cells += [make(y.ward), make(y.national)]
        return cells

    table.rows.append(
        Row(
            _("Families with a birth"),
            "",
            cell_of(lambda p: p.count(total("B"))),
        )
    )
    for indicator in INDICATORS:
        table.rows += _indicator_rows(indicator, cell_of)
    table.rows += _averages_rows(cell_of)
    return Figures(shown, [table])
