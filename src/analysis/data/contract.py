"""The raw-data contract: tables, columns, types, units, allowed values, keys.

One declarative specification (:data:`TABLES`) is the single source of truth.
From it the module derives

* pandera schemas (:func:`pandera_schema`), the machine-readable contract
  that the ingest enforces on the small tables after parsing;
* the SQL checks that the ingest runs in DuckDB on the large event tables
  (see :mod:`analysis.data.validate`), so those are never loaded into pandas;
* the Markdown tables of ``docs/data-contract.md`` (:func:`contract_markdown`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Literal

import pandera.pandas as pa

from analysis.ids import SAFE_ID_RULE

DType = Literal["id", "key", "string", "integer", "number", "date", "month", "boolean"]

#: Plausible years of a date: a two-digit year (``19`` for 2019) falls outside.
EARLIEST_YEAR, LATEST_YEAR = 1900, 2100
#: Largest whole number an ``integer`` column takes (exact in a double: 2**53).
MAX_INTEGER = 2**53

#: What each logical type accepts, in words (the docs' table of values is made from it).
DTYPE_WORDS: dict[str, str] = {
    "id": f"identifier that may name a report folder or a link: {SAFE_ID_RULE} "
    "(integers accepted); compared as text, case-sensitive",
    "key": "pseudonymised identifier (patient, respondent): any text or integer, compared as "
    "text; never shown in a report nor used as a name",
    "string": "any text",
    "integer": "whole number, no units (`2095`, `2095,0` in a decimal-comma file), "
    f"below {MAX_INTEGER:,}",
    "number": "`0.8`, or `0,8` in a semicolon file; one decimal mark throughout the file",
    "date": "`YYYY-MM-DD`, `DD-MM-YYYY` or `DD/MM/YYYY` (a time part is ignored); a "
    f"four-digit year from {EARLIEST_YEAR} to {LATEST_YEAR}",
    "month": "a date on the first day of the month (`2019-03-01`)",
    "boolean": "`true`/`false`, `1`/`0`, `ja`/`nee`, `yes`/`no`, `waar`/`onwaar`, `oui`/`non`",
}

COUNTRIES = ("NL", "BE")
PRACTICE_TYPES = ("solo", "duo", "group", "health_centre")
CONTACT_TYPES = ("consult", "long_consult", "home_visit", "telephone", "e_consult", "video")
PROVIDER_ROLES = (
    "gp",
    "practice_nurse",
    "mental_health_nurse",
    "physician_assistant",
    "nurse_specialist",
    "assistant",
)
DESTINATIONS = (
    "medical_specialist",
    "physiotherapy",
    "mental_health",
    "social_welfare",
    "diagnostics",
    "other",
)
UNIT_TYPES = ("practice", "region")
EVENT_KINDS = ("pdsa_plan", "pdsa_do", "pdsa_study", "pdsa_act", "meeting", "staffing", "external")
#: The four themes of the Dutch action research "Medisch generalistische zorg in de regio":
#: scaling up (opschalen), cross-domain collaboration (domeinoverstijgend samenwerken), room in
#: policy and rules (regelruimte), regional steering instruments (regionale sturingsinstrumenten).
THEMES = ("scaling_up", "cross_domain", "policy_room", "regional_steering")
#: Age groups of the population and of the contact rates (planning inputs).
AGE_GROUPS = ("0-14", "15-44", "45-64", "65-74", "75+")
#: Age bands of the GPs in ``gp_workforce`` (planning input for the capacity outlook).
GP_AGE_BANDS = ("<35", "35-44", "45-54", "55-59", "60-64", "65+")
#: Tables the planning notebooks read (pilot selection, capacity outlook); all optional.
PLANNING_TABLES = ("population", "gp_workforce", "contact_rates", "training")

#: Count columns a ``practice_months`` table may carry instead of event tables
#: (aggregated delivery). They have the same names as in the processed panel.
AGGREGATE_COUNT_COLUMNS: dict[str, str] = {
    "contacts": "all contacts with the practice (any type, any provider)",
    "gp_contacts": "contacts with a GP",
    "gp_minutes": "minutes of GP contacts",
    "nurse_contacts": "contacts with a practice nurse, mental-health nurse or nurse specialist",
    "telephone_contacts": "telephone contacts (any provider)",
    "e_consults": "e-consults (any provider)",
    "video_contacts": "video contacts (any provider)",
    "home_visits": "home visits (any provider)",
    "long_consults": "long consults (any provider)",
    "practice_nurse_contacts": "contacts with a practice nurse (somatic)",
    "mental_health_nurse_contacts": "contacts with a mental-health nurse",
    "physician_assistant_contacts": "contacts with a physician assistant",
    "assistant_contacts": "contacts with an assistant/triagist",
    "contact_minutes": "minutes of all contacts",
    "referrals": "referrals, all destinations",
    **{f"referrals_{d}": f"referrals to {d.replace('_', ' ')}" for d in DESTINATIONS},
    "prescriptions": "prescriptions",
}


@dataclass(frozen=True)
class Field:
    """One column of a raw table.

    Parameters
    ----------
    name
        Column name as it appears in the header (matched case-insensitively).
    dtype
        Logical type (:data:`DTYPE_WORDS`): ``id`` (a safe id, see
        :mod:`analysis.ids`: it may become a folder name or a link), ``key``
        (pseudonymised text key that never names anything), ``string``,
        ``integer``, ``number`` (decimal point or decimal comma), ``date``
        (``YYYY-MM-DD``, ``DD-MM-YYYY`` or ``DD/MM/YYYY``), ``month`` (a date
        on the first day of a month) or ``boolean``.
    description
        What the column holds.
    unit
        Unit of measurement, if any.
    required
        Whether the column must be present.
    nullable
        Whether empty cells are allowed.
    allowed
        Allowed values of a categorical column.
    minimum, maximum
        Inclusive bounds of a numeric column.
    """

    name: str
    dtype: DType
    description: str
    unit: str = ""
    required: bool = True
    nullable: bool = False
    allowed: tuple[str, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None


@dataclass(frozen=True)
class ForeignKey:
    """``column`` must exist in ``table.ref_column``.

    ``when = (other_column, value)`` restricts the reference to the rows whose
    ``other_column`` holds ``value`` (``interventions.unit_id`` names a region
    or a practice, as ``unit_type`` says).
    """

    column: str
    table: str
    ref_column: str
    when: tuple[str, str] | None = None


DateBound = Literal["practice_open", "study_window"]


@dataclass(frozen=True)
class DateRule:
    """The date in ``column`` must lie within each of ``within`` for the row's practice.

    ``practice_open`` is the practice's open period (``opened`` to ``closed`` of
    ``practices``); ``study_window`` the range of months in ``practice_months``
    of the practice's country.
    """

    column: str
    within: tuple[DateBound, ...]


@dataclass(frozen=True)
class Table:
    """One raw table of the contract."""

    name: str
    description: str
    fields: tuple[Field, ...]
    key: tuple[str, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = ()
    formats: tuple[str, ...] = ("csv", "parquet")
    required: bool = True
    event_level: bool = False
    #: Where the table's practice-level date must lie.
    date_rule: DateRule | None = None
    #: Pairs ``(earlier, later)`` of date columns: ``later`` may not precede ``earlier``.
    date_order: tuple[tuple[str, str], ...] = ()
    notes: tuple[str, ...] = field(default=())

    def field(self, name: str) -> Field:
        """Return the field called ``name``."""
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    @property
    def names(self) -> tuple[str, ...]:
        """Column names in contract order."""
        return tuple(f.name for f in self.fields)


def _count(name: str, description: str) -> Field:
    unit = "minutes per month" if name.endswith("minutes") else "count per month"
    return Field(name, "integer", description, unit, False, True, minimum=0)


_PRACTICE_FK = ForeignKey("practice_id", "practices", "practice_id")
_REGION_FK = ForeignKey("region_id", "regions", "region_id")
_EVENT_DATES = DateRule("date", ("practice_open", "study_window"))

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "regions",
            "Regions: Dutch GP regions or Flemish eerstelijnszones.",
            (
                Field("region_id", "id", "region identifier, unique"),
                Field("name", "string", "region name"),
                Field("country", "string", "country", allowed=COUNTRIES),
                Field("region_type", "string", "e.g. eerstelijnszone, huisartsenregio"),
                Field("population", "integer", "inhabitants", "persons", minimum=0),
            ),
            key=("region_id",),
        ),
        Table(
            "practices",
            "General practices.",
            (
                Field("practice_id", "id", "practice identifier, unique"),
                Field("region_id", "id", "region the practice belongs to"),
                Field("practice_type", "string", "organisation form", allowed=PRACTICE_TYPES),
                Field(
                    "opened",
                    "date",
                    "date the practice opened (empty = before the data)",
                    nullable=True,
                ),
                Field(
                    "closed", "date", "date the practice closed (empty = still open)", nullable=True
                ),
            ),
            key=("practice_id",),
            foreign_keys=(_REGION_FK,),
            date_order=(("opened", "closed"),),
        ),
        Table(
            "practice_months",
            "Capacity of each practice in each month (one row per practice and month).",
            (
                Field("practice_id", "id", "practice"),
                Field("month", "month", "month, written as its first day"),
                Field(
                    "list_size",
                    "integer",
                    "registered (NL) or GMD (BE) patients",
                    "patients",
                    nullable=True,
                    minimum=0,
                ),
                Field("gp_fte", "number", "GP capacity", "FTE", minimum=0, maximum=100),
                Field(
                    "nurse_fte",
                    "number",
                    "practice nurse (somatic) capacity",
                    "FTE",
                    required=False,
                    nullable=True,
                    minimum=0,
                    maximum=100,
                ),
                Field(
                    "mental_health_nurse_fte",
                    "number",
                    "mental-health nurse capacity",
                    "FTE",
                    required=False,
                    nullable=True,
                    minimum=0,
                    maximum=100,
                ),
                Field(
                    "physician_assistant_fte",
                    "number",
                    "physician assistant capacity",
                    "FTE",
                    required=False,
                    nullable=True,
                    minimum=0,
                    maximum=100,
                ),
                Field(
                    "accepting_new_patients",
                    "boolean",
                    "false during a patient stop (true/false, 1/0, ja/nee, yes/no)",
                ),
                Field(
                    "third_next_available_days",
                    "number",
                    "days to the third-next available routine appointment",
                    "days",
                    required=False,
                    nullable=True,
                    minimum=0,
                    maximum=365,
                ),
                *(_count(n, d) for n, d in AGGREGATE_COUNT_COLUMNS.items()),
            ),
            key=("practice_id", "month"),
            foreign_keys=(_PRACTICE_FK,),
            date_rule=DateRule("month", ("practice_open",)),
            notes=(
                "The count columns are optional and only used when no event-level "
                "contacts/referrals/prescriptions tables are supplied (aggregated delivery).",
            ),
        ),
        Table(
            "contacts",
            "Event level: one row per contact between a patient and the practice.",
            (
                Field("practice_id", "id", "practice"),
                Field("patient_id", "key", "pseudonymised patient (text or integer)"),
                Field("date", "date", "date of the contact"),
                Field("contact_type", "string", "kind of contact", allowed=CONTACT_TYPES),
                Field("provider_role", "string", "who had the contact", allowed=PROVIDER_ROLES),
                Field(
                    "minutes",
                    "integer",
                    "duration (empty = not recorded)",
                    "minutes",
                    nullable=True,
                    minimum=0,
                    maximum=600,
                ),
                Field(
                    "icpc",
                    "string",
                    "ICPC-2 code of the complaint (its first three characters define a repeat "
                    "visit, see below)",
                    required=False,
                    nullable=True,
                ),
            ),
            foreign_keys=(_PRACTICE_FK,),
            required=False,
            event_level=True,
            date_rule=_EVENT_DATES,
        ),
        Table(
            "referrals",
            "Event level: one row per referral.",
            (
                Field("practice_id", "id", "practice"),
                Field("patient_id", "key", "pseudonymised patient (text or integer)"),
                Field("date", "date", "date of the referral"),
                Field("destination", "string", "referred to", allowed=DESTINATIONS),
                Field(
                    "specialty",
                    "string",
                    "medical specialty, for medical_specialist",
                    required=False,
                    nullable=True,
                ),
                Field("icpc", "string", "ICPC-2 code", required=False, nullable=True),
            ),
            foreign_keys=(_PRACTICE_FK,),
            required=False,
            event_level=True,
            date_rule=_EVENT_DATES,
        ),
        Table(
            "prescriptions",
            "Event level, optional: one row per prescription.",
            (
                Field("practice_id", "id", "practice"),
                Field("patient_id", "key", "pseudonymised patient (text or integer)"),
                Field("date", "date", "date of the prescription"),
                Field("atc", "string", "ATC code of the drug"),
            ),
            foreign_keys=(_PRACTICE_FK,),
            required=False,
            event_level=True,
            date_rule=_EVENT_DATES,
        ),
        Table(
            "interventions",
            "Which unit received which intervention when.",
            (
                Field("unit_type", "string", "level of the unit", allowed=UNIT_TYPES),
                Field("unit_id", "id", "practice_id or region_id, per unit_type"),
                Field(
                    "intervention",
                    "string",
                    "intervention name (turned into a snake_case id, e.g. longer_consults)",
                ),
                Field("start_date", "date", "first day of the intervention"),
                Field("end_date", "date", "last day (empty = ongoing)", nullable=True),
            ),
            key=("unit_type", "unit_id", "intervention", "start_date"),
            foreign_keys=(
                ForeignKey("unit_id", "regions", "region_id", when=("unit_type", "region")),
                ForeignKey("unit_id", "practices", "practice_id", when=("unit_type", "practice")),
            ),
            date_order=(("start_date", "end_date"),),
        ),
        Table(
            "events",
            "Action-research log: PDSA cycles, meetings, staffing changes, external events.",
            (
                Field("region_id", "id", "region"),
                Field("date", "date", "date of the entry"),
                Field("kind", "string", "kind of entry", allowed=EVENT_KINDS),
                Field("text", "string", "free text", nullable=True),
                Field(
                    "cycle",
                    "integer",
                    "PDSA cycle number (pdsa_* entries); a cycle is numbered per region and "
                    "intervention",
                    required=False,
                    nullable=True,
                    minimum=1,
                ),
                Field(
                    "theme",
                    "string",
                    "action-research theme of the entry",
                    required=False,
                    nullable=True,
                    allowed=THEMES,
                ),
                Field(
                    "intervention",
                    "string",
                    "the intervention the entry belongs to: a name or id of the interventions "
                    "table (longer_consults)",
                    required=False,
                    nullable=True,
                ),
            ),
            foreign_keys=(_REGION_FK,),
            required=False,
            notes=(
                "`workbench log add` appends entries to `events.csv` (see the README, 'The coach's "
                "month'); the file may also be edited by hand. A file without the `cycle` column "
                "takes a cycle number written in the text as `(cyclus 3)` or `(cycle 3)`.",
            ),
        ),
        Table(
            "survey",
            "GP workforce survey: one row per respondent and wave (the ingest aggregates it to "
            "practices and waves; no respondent id leaves the ingest).",
            (
                Field("respondent_id", "key", "pseudonymised respondent"),
                Field("practice_id", "id", "practice of the respondent"),
                Field("wave", "date", "date of the survey wave"),
                Field(
                    "hours_per_week",
                    "number",
                    "working hours",
                    "hours per week",
                    nullable=True,
                    minimum=0,
                    maximum=120,
                ),
                Field(
                    "workload_score",
                    "number",
                    "perceived workload",
                    "score 0-10",
                    nullable=True,
                    minimum=0,
                    maximum=10,
                ),
                Field(
                    "burnout_score",
                    "number",
                    "MBI emotional exhaustion",
                    "score 0-54",
                    nullable=True,
                    minimum=0,
                    maximum=54,
                ),
                Field(
                    "job_satisfaction",
                    "number",
                    "job satisfaction",
                    "score 1-10",
                    nullable=True,
                    minimum=1,
                    maximum=10,
                ),
                Field(
                    "intends_to_leave",
                    "boolean",
                    "intends to leave general practice",
                    nullable=True,
                ),
            ),
            key=("respondent_id", "wave"),
            foreign_keys=(_PRACTICE_FK,),
            required=False,
        ),
        Table(
            "population",
            "Planning input: inhabitants per region, year and age group, the years ahead "
            "projected (capacity outlook: demand; pilot selection: age mix).",
            (
                Field("region_id", "id", "region"),
                Field(
                    "year", "integer", "calendar year", minimum=EARLIEST_YEAR, maximum=LATEST_YEAR
                ),
                Field("age_group", "string", "age group", "years", allowed=AGE_GROUPS),
                Field("population", "integer", "inhabitants", "persons", minimum=0),
                Field("projected", "boolean", "true for a projected (future) year"),
            ),
            key=("region_id", "year", "age_group"),
            foreign_keys=(_REGION_FK,),
            required=False,
        ),
        Table(
            "gp_workforce",
            "Planning input: the GPs of each practice by age band, with their weekly working "
            "hours, counted on a date (capacity outlook: supply and retirement).",
            (
                Field("practice_id", "id", "practice"),
                Field("date", "date", "date of the count"),
                Field("age_band", "string", "age band of the GPs", "years", allowed=GP_AGE_BANDS),
                Field("gps", "integer", "GPs in the band (head count)", "GPs", minimum=0),
                Field(
                    "hours_per_week",
                    "number",
                    "mean weekly working hours of these GPs (empty when gps is 0)",
                    "hours per week",
                    nullable=True,
                    minimum=0,
                    maximum=120,
                ),
            ),
            key=("practice_id", "date", "age_band"),
            foreign_keys=(_PRACTICE_FK,),
            required=False,
        ),
        Table(
            "contact_rates",
            "Planning input: GP contacts per inhabitant per year by age group, per country "
            "(capacity outlook: demand).",
            (
                Field("country", "string", "country", allowed=COUNTRIES),
                Field("age_group", "string", "age group", "years", allowed=AGE_GROUPS),
                Field(
                    "contacts_per_year",
                    "number",
                    "contacts with a GP per inhabitant per year",
                    "contacts per person per year",
                    minimum=0,
                    maximum=100,
                ),
            ),
            key=("country", "age_group"),
            required=False,
        ),
        Table(
            "training",
            "Planning input: GPs completing their GP training in the region per year, and the "
            "share of them who settle there (capacity outlook: inflow); later years are plans.",
            (
                Field("region_id", "id", "region"),
                Field(
                    "year", "integer", "calendar year", minimum=EARLIEST_YEAR, maximum=LATEST_YEAR
                ),
                Field("graduates", "integer", "GPs completing their training", "GPs", minimum=0),
                Field(
                    "settle_share",
                    "number",
                    "share of the graduates who settle in the region",
                    "share (0-1)",
                    minimum=0,
                    maximum=1,
                ),
            ),
            key=("region_id", "year"),
            foreign_keys=(_REGION_FK,),
            required=False,
        ),
    )
}

#: Event tables whose presence switches the ingest to event-level mode.
EVENT_TABLES = ("contacts", "referrals", "prescriptions")

_PANDERA_DTYPES: dict[str, str] = {
    "id": "str",
    "key": "str",
    "string": "str",
    "integer": "Int64",
    "number": "float64",
    "date": "datetime64[ns]",
    "month": "datetime64[ns]",
    "boolean": "boolean",
}


def _checks(f: Field) -> list[pa.Check]:
    checks: list[pa.Check] = []
    if f.allowed is not None:
        checks.append(pa.Check.isin(list(f.allowed)))
    if f.minimum is not None:
        checks.append(pa.Check.ge(f.minimum))
    if f.maximum is not None:
        checks.append(pa.Check.le(f.maximum))
    if f.dtype == "month":
        checks.append(pa.Check(lambda s: s.dt.day == 1, element_wise=False, name="first_of_month"))
    return checks


@cache
def pandera_schema(table: str) -> pa.DataFrameSchema:
    """Return the pandera schema of a raw table (after parsing to typed columns).

    Parameters
    ----------
    table
        Table name, a key of :data:`TABLES`.

    Returns
    -------
    pandera.pandas.DataFrameSchema
        Columns with dtype, checks, nullability and presence; the table key as
        ``unique``. Extra columns are allowed (``strict=False``).
    """
    spec = TABLES[table]
    columns = {
        f.name: pa.Column(
            _PANDERA_DTYPES[f.dtype],
            checks=_checks(f),
            nullable=f.nullable,
            required=f.required,
            coerce=True,
            description=f.description,
            title=f.name,
            metadata={"unit": f.unit, "dtype": f.dtype},
        )
        for f in spec.fields
    }
    return pa.DataFrameSchema(
        columns,
        name=spec.name,
        description=spec.description,
        unique=list(spec.key) or None,
        strict=False,
        metadata={"formats": list(spec.formats), "required": spec.required},
    )


def _markdown_row(f: Field) -> str:
    allowed = ", ".join(f"`{a}`" for a in f.allowed) if f.allowed else ""
    bounds = []
    if f.minimum is not None:
        bounds.append(f">= {f.minimum:g}")
    if f.maximum is not None:
        bounds.append(f"<= {f.maximum:g}")
    values = "; ".join(x for x in (allowed, " and ".join(bounds)) if x)
    need = "required" if f.required else "optional"
    empty = "may be empty" if f.nullable else "not empty"
    return f"| `{f.name}` | {f.dtype} | {f.unit} | {values} | {need}, {empty} | {f.description} |"


_BOUND_WORDS: dict[str, str] = {
    "practice_open": "the practice's open period (`opened` to `closed`)",
    "study_window": "the study window of the practice's country",
}


def _reference_words(fk: ForeignKey) -> str:
    words = f"`{fk.column}` -> `{fk.table}.{fk.ref_column}`"
    if fk.when:
        words += f" where `{fk.when[0]}` is `{fk.when[1]}`"
    return words


def dtype_markdown() -> str:
    """The logical types and how their values are written, as a Markdown table."""
    rows = ["| type | written as |", "|---|---|"]
    rows += [f"| {name} | {words} |" for name, words in DTYPE_WORDS.items()]
    rows.append('| empty | an empty cell; allowed only where the table says "may be empty" |')
    return "\n".join(rows) + "\n"


def contract_markdown() -> str:
    """Render every table of the contract as Markdown (used in docs/data-contract.md)."""
    parts: list[str] = []
    for spec in TABLES.values():
        files = " or ".join(f"`{spec.name}.{ext}`" for ext in spec.formats)
        need = "required" if spec.required else "optional"
        parts.append(f"### {spec.name}\n\n{spec.description} File: {files} ({need}).")
        if spec.key:
            parts.append("Key (unique): " + ", ".join(f"`{k}`" for k in spec.key) + ".")
        if spec.foreign_keys:
            refs = ", ".join(_reference_words(fk) for fk in spec.foreign_keys)
            parts.append(f"References: {refs}.")
        if spec.date_order:
            pairs = ", ".join(f"`{late}` on or after `{early}`" for early, late in spec.date_order)
            parts.append(f"Dates: {pairs}.")
        if spec.date_rule:
            bounds = " and ".join(_BOUND_WORDS[b] for b in spec.date_rule.within)
            parts.append(f"`{spec.date_rule.column}` lies within {bounds}.")
        parts.extend(spec.notes)
        rows = [
            "| column | type | unit | allowed values | presence | description |",
            "|---|---|---|---|---|---|",
            *(_markdown_row(f) for f in spec.fields),
        ]
        parts.append("\n".join(rows))
    return "\n\n".join(parts) + "\n"
