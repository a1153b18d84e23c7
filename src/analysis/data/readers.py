"""Find raw files, sniff CSV dialects, and expose them to DuckDB as typed views.

Dutch and Belgian exports come as comma- or semicolon-separated text, with a
decimal comma, in UTF-8 (with or without BOM) or latin-1/Windows-1252. This
module detects those properties from the bytes, transcodes to a temporary
UTF-8 file only when DuckDB cannot read the encoding itself, and builds SQL
that parses every contract column from text (or from a Parquet column of any
type) into its contract type. Nothing here loads a table into pandas.
"""

from __future__ import annotations

import codecs
import csv
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import duckdb

from analysis.data.contract import MAX_INTEGER, TABLES, Field, Table
from analysis.errors import InputError

SNIFF_BYTES = 1 << 16
DELIMITERS = (";", ",", "\t", "|")
TRUE_WORDS = ("true", "t", "1", "yes", "y", "ja", "j", "waar", "oui", "vrai", "x")
FALSE_WORDS = ("false", "f", "0", "no", "n", "nee", "onwaar", "non", "faux", "")
_DECIMAL_COMMA = re.compile(r"^\s*\"?-?\d+,\d+\"?\s*$")
#: A decimal point that is not a thousands separator (1.5, 0.25; not 1.250).
_DECIMAL_POINT = re.compile(r"^\s*\"?-?(?!\d{1,3}(\.\d{3})+\"?\s*$)\d+\.\d+\"?\s*$")
DUCK_TYPES = {
    "id": "VARCHAR",
    "key": "VARCHAR",
    "string": "VARCHAR",
    "integer": "BIGINT",
    "number": "DOUBLE",
    "date": "DATE",
    "month": "DATE",
    "boolean": "BOOLEAN",
}
_INTEGER_SOURCE = (
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "HUGEINT",
    "UTINYINT",
    "USMALLINT",
    "UINTEGER",
    "UBIGINT",
)
_NUMERIC_SOURCE = (*_INTEGER_SOURCE, "FLOAT", "DOUBLE", "DECIMAL")


@dataclass
class Source:
    """One raw file as the ingest reads it.

    Attributes
    ----------
    table
        Contract table name.
    path
        The user's file (never written to).
    kind
        ``"csv"`` or ``"parquet"``.
    read_path
        The file DuckDB reads: ``path`` or a transcoded UTF-8 copy.
    delimiter, decimal_comma, encoding
        CSV dialect.
    columns
        Contract column name -> column name in the file.
    source_types
        Column name in the file -> DuckDB type (``VARCHAR`` for CSV).
    """

    table: str
    path: Path
    kind: Literal["csv", "parquet"]
    read_path: Path
    delimiter: str = ","
    decimal_comma: bool = False
    encoding: str = "utf-8"
    columns: dict[str, str] = field(default_factory=dict)
    source_types: dict[str, str] = field(default_factory=dict)
    header: list[str] = field(default_factory=list)

    @property
    def spec(self) -> Table:
        """Contract of this table."""
        return TABLES[self.table]

    @property
    def label(self) -> str:
        """File name as shown in messages."""
        return self.path.name


def quote_ident(name: str) -> str:
    """Quote a SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def quote_literal(text: str | Path) -> str:
    """Quote a SQL string literal."""
    return "'" + str(text).replace("'", "''") + "'"


def normalise_name(name: str) -> str:
    """Header cell -> comparable column name (lower case, underscores, no accents)."""
    text = unicodedata.normalize("NFKD", name.replace("\ufeff", "")).encode("ascii", "ignore")
    return re.sub(r"[^a-z0-9]+", "_", text.decode().strip().lower()).strip("_")


# --------------------------------------------------------------------------- discovery


#: Files a raw folder may hold besides the tables (compared case-insensitively).
RAW_EXTRA_FILES = ("README.md", "ground_truth.json")
TABLE_FORMATS = ("csv", "parquet")
_SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")
_TEXT_SUFFIXES = (".txt", ".tsv", ".tab", ".dat", ".csv")


def _raw_entries(raw_dir: Path) -> list[Path]:
    """Regular files of ``raw_dir`` that count: hidden files (``.gitkeep``) do not."""
    return sorted(p for p in raw_dir.iterdir() if p.is_file() and not p.name.startswith("."))


def expected_names() -> list[str]:
    """File names the contract recognises in a raw folder."""
    return [f"{name}.{ext}" for name in TABLES for ext in TABLE_FORMATS]


def raw_folder_is_empty(raw_dir: Path) -> bool:
    """True when ``raw_dir`` is missing or holds no files but a README (hidden files aside).

    Only then may the demo data be written into it.
    """
    if not raw_dir.is_dir():
        return True
    readme = RAW_EXTRA_FILES[0].lower()
    return all(p.name.lower() == readme for p in _raw_entries(raw_dir))


def _rename_advice(path: Path) -> str:
    """How to make ``path`` a file the contract recognises, or move it away."""
    stem, suffix = path.name.split(".")[0].lower(), path.suffix.lower()
    if stem in TABLES:
        if suffix in _SPREADSHEET_SUFFIXES:
            return f"save {path.name} from the spreadsheet as CSV, named {stem}.csv"
        if suffix == ".parquet" or suffix in _TEXT_SUFFIXES:
            target = f"{stem}{'.parquet' if suffix == '.parquet' else '.csv'}"
            case = " (file names are lower case)" if suffix in (".csv", ".parquet") else ""
            return f"rename {path.name} to {target}{case}"
    return f"move {path.name} out of the raw folder"


def find_files(raw_dir: Path) -> dict[str, Path]:
    """Map each contract table to its file in ``raw_dir`` (CSV or Parquet).

    Raises
    ------
    InputError
        If a table is supplied twice (as CSV and as Parquet), or if the folder
        holds files the contract does not recognise (listed, with the names
        expected and how to rename them).
    """
    entries = _raw_entries(raw_dir)
    known = {n.lower() for n in RAW_EXTRA_FILES}
    tables = set(expected_names())
    unknown = [p for p in entries if p.name not in tables and p.name.lower() not in known]
    if unknown:
        names = ", ".join(p.name for p in unknown)
        advice = "; ".join(_rename_advice(p) for p in unknown)
        raise InputError(
            f"the raw folder holds file(s) the data contract does not recognise: {names}",
            file=unknown[0],
            hint=f"{advice}. The names expected are {', '.join(f'{t}.csv' for t in TABLES)} "
            "(or .parquet instead of .csv), plus README.md; see docs/data-contract.md",
        )
    found: dict[str, Path] = {}
    for name in TABLES:
        hits = [p for ext in TABLE_FORMATS if (p := raw_dir / f"{name}.{ext}") in entries]
        if len(hits) > 1:
            raise InputError(
                f"table '{name}' is supplied twice ({hits[0].name} and {hits[1].name})",
                file=hits[1],
                hint="keep one of the two files",
            )
        if hits:
            found[name] = hits[0]
    return found


# --------------------------------------------------------------------------- CSV dialect


def _is_utf8(path: Path) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 22):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                return False
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _has_cp1252_only_bytes(path: Path) -> bool:
    """Whether the file uses bytes 0x80-0x9F (Windows-1252 quotes, euro sign, ...)."""
    pattern = re.compile(rb"[\x80-\x9f]")
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 22):
            if pattern.search(chunk):
                return True
    return False


def _transcode(path: Path, target: Path, encoding: str) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    with (
        path.open("r", encoding=encoding, errors="replace", newline="") as src,
        target.open("w", encoding="utf-8", newline="") as dst,
    ):
        while chunk := src.read(1 << 22):
            dst.write(chunk)
    return target


#: Leading bytes of files that are not CSV text, and what they are.
_MAGIC: tuple[tuple[bytes, str, str], ...] = (
    (
        b"PK\x03\x04",
        "an Excel workbook (.xlsx) or another zip archive, not CSV text",
        "open it in Excel and save it as 'CSV UTF-8 (comma delimited)' or 'CSV (semicolon "
        "delimited)'",
    ),
    (
        b"\xd0\xcf\x11\xe0",
        "an old Excel workbook (.xls), not CSV text",
        "open it in Excel and save it as 'CSV UTF-8 (comma delimited)'",
    ),
    (b"PAR1", "a Parquet file, not CSV text", "give it the extension .parquet"),
    (b"\x1f\x8b", "a gzip-compressed file, not CSV text", "unpack it first"),
    (
        b"\xff\xfe",
        "UTF-16 text (as Excel's 'Unicode text' saves it), not UTF-8 or latin-1",
        "save it again as 'CSV UTF-8 (comma delimited)'",
    ),
    (
        b"\xfe\xff",
        "UTF-16 text, not UTF-8 or latin-1",
        "save it again as 'CSV UTF-8 (comma delimited)'",
    ),
)


def _refuse_binary(path: Path, head: bytes) -> None:
    """Raise when the first bytes show that ``path`` is not CSV text (no bytes are echoed)."""
    for magic, what, fix in _MAGIC:
        if head.startswith(magic):
            raise InputError(f"the file is {what}", file=path, line=1, hint=fix)
    if b"\x00" in head:
        zeros = head[:2048].count(b"\x00")
        what = (
            "UTF-16 text without a byte-order mark, not UTF-8 or latin-1"
            if zeros > len(head[:2048]) // 4
            else "binary data, not CSV text"
        )
        raise InputError(
            f"the file is {what}",
            file=path,
            line=1,
            hint="save the table as 'CSV UTF-8 (comma delimited)' (or as Parquet)",
        )


def printable(text: str, limit: int = 120) -> str:
    """``text`` for a message: control characters as ``?``, at most ``limit`` characters."""
    shown = "".join(c if c.isprintable() else "?" for c in text)
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def sniff_csv(path: Path, scratch: Path) -> tuple[str, bool, str, Path, list[str]]:
    """Detect delimiter, decimal comma and encoding of a CSV file.

    Parameters
    ----------
    path
        The CSV file.
    scratch
        Folder for a transcoded copy, if one is needed.

    Returns
    -------
    tuple
        ``(delimiter, decimal_comma, encoding, read_path, header)``.

    Raises
    ------
    InputError
        If the file is empty, has no header line, or is not text (a spreadsheet,
        UTF-16, binary data).
    """
    with path.open("rb") as fh:
        head = fh.read(SNIFF_BYTES)
    if not head.strip(b"\xef\xbb\xbf \r\n\t"):
        raise InputError(
            "the file is empty",
            file=path,
            line=1,
            hint="export the table again with a header line and data rows",
        )
    _refuse_binary(path, head)
    if _is_utf8(path):
        encoding, read_path = "utf-8", path
    elif _has_cp1252_only_bytes(path):
        encoding = "cp1252"
        read_path = _transcode(path, scratch / f"{path.stem}.utf8.csv", "cp1252")
    else:
        encoding, read_path = "latin-1", path
    text = head.decode("utf-8" if encoding == "utf-8" else "cp1252", errors="replace")
    lines = text.lstrip("\ufeff").splitlines()
    header = lines[0] if lines else ""
    delimiter = max(DELIMITERS, key=header.count)
    if header.count(delimiter) == 0:
        delimiter = ","
    sample = [cell for line in lines[1:200] for cell in line.split(delimiter)]
    commas = sum(bool(_DECIMAL_COMMA.match(c)) for c in sample)
    points = sum(bool(_DECIMAL_POINT.match(c)) for c in sample)
    decimal_comma = delimiter != "," and commas > points
    names = next(csv.reader([header], delimiter=delimiter), [])
    return delimiter, decimal_comma, encoding, read_path, [n.strip() for n in names]


def check_header(path: Path, names: list[str], kind: str, delimiter: str = ",") -> None:
    """Refuse a header with unnamed columns or names that the ingest would confuse.

    Column names are matched after :func:`normalise_name` (case, spaces, accents),
    so ``region id`` next to ``region_id``, or ``Region_id`` next to ``region_id``,
    would be one column twice: that is an error, never a silent choice.
    """
    line = 1 if kind == "csv" else None
    unnamed = [k for k, n in enumerate(names, start=1) if not normalise_name(n)]
    if unnamed and unnamed == [len(names)] and kind == "csv" and len(names) > 1:
        raise InputError(
            f"the header ends with the separator '{delimiter}', so its last column "
            f"(column {len(names)}) has no name; Excel and SAS exports add such a trailing "
            "separator to every line",
            file=path,
            line=line,
            hint=f"remove the '{delimiter}' at the end of every line (or delete the empty last "
            "column before exporting)",
        )
    if unnamed:
        raise InputError(
            f"column {unnamed[0]} of the header has no name (or only punctuation)",
            file=path,
            line=line,
            hint="give every column a name as in docs/data-contract.md, or remove the column",
        )
    seen: dict[str, tuple[int, str]] = {}
    for k, name in enumerate(names, start=1):
        key = normalise_name(name)
        if key in seen:
            first_k, first = seen[key]
            if first == name:
                problem = (
                    f"column name '{printable(name)}' occurs twice (columns {first_k} and {k})"
                )
            else:
                problem = (
                    f"column names '{printable(first)}' (column {first_k}) and "
                    f"'{printable(name)}' (column {k}) are the same name once case, spaces and "
                    "accents are ignored"
                )
            raise InputError(
                problem,
                file=path,
                line=line,
                column=printable(name),
                hint=f"keep one column '{key}': rename or remove the other",
            )
        seen[key] = (k, name)


# --------------------------------------------------------------------------- relations


def reader_sql(src: Source) -> str:
    """SQL table function reading the file with all columns as text (CSV) or as stored."""
    if src.kind == "parquet":
        return f"read_parquet({quote_literal(src.read_path)}, file_row_number = true)"
    enc = "latin-1" if src.encoding == "latin-1" else "utf-8"
    columns = ", ".join(f"{quote_literal(n)}: 'VARCHAR'" for n in src.header)
    return (
        f"read_csv({quote_literal(src.read_path)}, header = true, auto_detect = false, "
        f"columns = {{{columns}}}, delim = {quote_literal(src.delimiter)}, "
        f"quote = '\"', escape = '\"', encoding = {quote_literal(enc)}, "
        f"null_padding = false, strict_mode = true)"
    )


def duckdb_read_error(exc: Exception) -> tuple[int | None, str]:
    """Record line (header = 1) and a short description of a DuckDB CSV/Parquet read error.

    DuckDB counts records, not lines; :func:`physical_line` turns the number into
    the line an editor shows.
    """
    message = str(exc)
    match = re.search(r"[Ll]ine:? (\d+)", message)
    fields = re.search(r"Expected Number of Columns: (\d+) Found: (\d+)", message)
    if fields:
        text = (
            f"the line has {fields.group(2)} fields but the header has {fields.group(1)} "
            "(a separator too many or too few, or an unclosed quote)"
        )
    else:
        text = printable(message.strip().splitlines()[0], 300)
    return (int(match.group(1)) if match else None), text


def read_error(src: Source, exc: Exception, hint: str) -> InputError:
    """The :class:`InputError` of a DuckDB read error, at the line an editor shows."""
    record, text = duckdb_read_error(exc)
    line = physical_line(src, record) if record is not None else None
    return InputError(f"the file cannot be read: {text}", file=src.path, line=line, hint=hint)


def _has_quote(path: Path) -> bool:
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 22):
            if b'"' in chunk:
                return True
    return False


def physical_line(src: Source, record: int) -> int:
    """Line an editor shows for CSV record number ``record`` (header = 1).

    DuckDB and ``row_number()`` count records; a quoted field that spans lines
    (free text with line breaks) makes the editor's line numbers run ahead.
    Parquet rows are returned unchanged. Only called on the error path: it
    reads the file up to the record.
    """
    if src.kind != "csv" or record <= 1 or not _has_quote(src.read_path):
        return record
    transcoded = src.read_path != src.path
    encoding = "utf-8-sig" if transcoded or src.encoding == "utf-8" else src.encoding
    try:
        with src.read_path.open(encoding=encoding, errors="replace", newline="") as fh:
            reader = csv.reader(fh, delimiter=src.delimiter, quotechar='"', doublequote=True)
            start = 1
            for k, _ in enumerate(reader, start=1):
                if k == record:
                    return start
                start = reader.line_num + 1
    except csv.Error:
        pass
    return record


def open_source(con: duckdb.DuckDBPyConnection, table: str, path: Path, scratch: Path) -> Source:
    """Sniff a raw file, read its header and map its columns to the contract.

    Raises
    ------
    InputError
        For an empty or unreadable file, a header the ingest would misread, or a
        missing required column.
    """
    kind: Literal["csv", "parquet"] = "parquet" if path.suffix == ".parquet" else "csv"
    if path.stat().st_size == 0:
        raise InputError(
            "the file is empty",
            file=path,
            line=1 if kind == "csv" else None,
            hint="export the table again with a header line and data rows",
        )
    src = Source(table, path, kind, path)
    if kind == "csv":
        (src.delimiter, src.decimal_comma, src.encoding, src.read_path, src.header) = sniff_csv(
            path, scratch
        )
        check_header(path, src.header, kind, src.delimiter)
    try:
        described = con.sql(f"DESCRIBE SELECT * FROM {reader_sql(src)}").fetchall()
    except duckdb.Error as exc:
        raise read_error(
            src, exc, "save it as UTF-8 or latin-1 CSV with one header line, or as Parquet"
        ) from None
    src.source_types = {name: typ for name, typ, *_ in described if name != "file_row_number"}
    if kind == "parquet":
        check_header(path, list(src.source_types), kind)
    by_norm = {normalise_name(n): n for n in src.source_types}
    for f in src.spec.fields:
        if f.name in by_norm:
            src.columns[f.name] = by_norm[f.name]
        elif f.required:
            found = printable(", ".join(src.source_types), 300)
            raise InputError(
                f"required column '{f.name}' is missing (columns found: {found})",
                file=path,
                line=1 if kind == "csv" else None,
                column=f.name,
                hint=f"add a column '{f.name}' ({f.description}) to the header",
            )
    return src


def numeric_text(expr: str, decimal_comma: bool) -> str:
    """SQL normalising a number written as text (decimal comma, spaces)."""
    if decimal_comma:
        return f"replace(replace(replace(trim({expr}), ' ', ''), '.', ''), ',', '.')"
    return f"replace(trim({expr}), ' ', '')"


def whole_number_sql(double: str) -> str:
    """SQL: ``double`` as BIGINT when it is a whole number below :data:`MAX_INTEGER`, else NULL."""
    return (
        f"CASE WHEN {double} = floor({double}) AND abs({double}) < {MAX_INTEGER} "
        f"THEN CAST({double} AS BIGINT) END"
    )


def typed_sql(src: Source, f: Field) -> str:
    """SQL expression parsing column ``f`` of ``src`` into its contract type.

    Unparseable values become NULL; :func:`raw_present_sql` tells them apart
    from empty cells.
    """
    col = src.columns.get(f.name)
    if col is None:
        return f"CAST(NULL AS {DUCK_TYPES[f.dtype]})"
    x = quote_ident(col)
    source_type = src.source_types.get(col, "VARCHAR")
    if source_type != "VARCHAR":
        if f.dtype in ("id", "key", "string"):
            return f"CAST({x} AS VARCHAR)"
        if f.dtype == "integer" and source_type.startswith(_NUMERIC_SOURCE):
            return whole_number_sql(f"TRY_CAST({x} AS DOUBLE)")
        if f.dtype == "boolean" and source_type.startswith(_NUMERIC_SOURCE):
            return f"CASE WHEN {x} = 1 THEN true WHEN {x} = 0 THEN false END"
        return f"TRY_CAST({x} AS {DUCK_TYPES[f.dtype]})"
    t = f"nullif(trim({x}), '')"
    match f.dtype:
        case "id" | "key" | "string":
            return t
        case "number":
            return f"TRY_CAST({numeric_text(x, src.decimal_comma)} AS DOUBLE)"
        case "integer":
            return whole_number_sql(f"TRY_CAST({numeric_text(x, src.decimal_comma)} AS DOUBLE)")
        case "date" | "month":
            return (
                f"COALESCE(TRY_CAST({t} AS DATE), "
                f"CAST(TRY_STRPTIME({t}, '%d-%m-%Y') AS DATE), "
                f"CAST(TRY_STRPTIME({t}, '%d/%m/%Y') AS DATE), "
                f"CAST(TRY_CAST({t} AS TIMESTAMP) AS DATE))"
            )
        case "boolean":
            trues = ", ".join(quote_literal(w) for w in TRUE_WORDS)
            falses = ", ".join(quote_literal(w) for w in FALSE_WORDS if w)
            return (
                f"CASE WHEN lower({t}) IN ({trues}) THEN true "
                f"WHEN lower({t}) IN ({falses}) THEN false END"
            )
    raise ValueError(f.dtype)


def grouping_sql(src: Source, f: Field) -> str:
    """SQL grouping the rows of ``src`` by column ``f`` as :func:`typed_sql` would, faster.

    A ``key`` column is compared as text; a file that stores it as integers
    groups by those integers instead (two integers are equal exactly when their
    texts are), which spares casting every row to text.
    """
    col = src.columns.get(f.name)
    source_type = src.source_types.get(col or "", "VARCHAR")
    if f.dtype == "key" and source_type.startswith(_INTEGER_SOURCE):
        return quote_ident(col)
    return typed_sql(src, f)


def raw_present_sql(src: Source, f: Field) -> str:
    """SQL: true when the cell holds something (not NULL, not blank)."""
    col = src.columns.get(f.name)
    if col is None:
        return "false"
    x = quote_ident(col)
    if src.source_types.get(col, "VARCHAR") == "VARCHAR":
        return f"coalesce(trim({x}) <> '', false)"
    return f"({x} IS NOT NULL)"


def raw_text_sql(src: Source, f: Field) -> str:
    """SQL: the cell as text, for messages."""
    col = src.columns.get(f.name)
    return "NULL" if col is None else f"CAST({quote_ident(col)} AS VARCHAR)"


def line_sql(src: Source) -> str:
    """SQL: the line (CSV, header = line 1) or row (Parquet, first row = 1) number."""
    if src.kind == "parquet":
        return "file_row_number + 1"
    return "row_number() OVER () + 1"


def create_views(con: duckdb.DuckDBPyConnection, src: Source) -> None:
    """Create the views of one raw table.

    ``raw_<table>`` is the file as read; ``typed_<table>`` parses every contract
    column into its type (used for building); ``lined_<table>`` adds ``_line``
    (line or row number) and is only queried to locate a bad row, because
    numbering CSV rows needs an ordered single pass.
    """
    t = src.table
    con.execute(f"CREATE OR REPLACE VIEW raw_{t} AS SELECT * FROM {reader_sql(src)}")
    con.execute(
        f"CREATE OR REPLACE VIEW rawlined_{t} AS SELECT *, {line_sql(src)} AS _line "
        f"FROM {reader_sql(src)}"
    )
    cols = ", ".join(f"{typed_sql(src, f)} AS {quote_ident(f.name)}" for f in src.spec.fields)
    con.execute(f"CREATE OR REPLACE VIEW typed_{t} AS SELECT {cols} FROM raw_{t}")
    con.execute(f"CREATE OR REPLACE VIEW lined_{t} AS SELECT {cols}, _line FROM rawlined_{t}")
