"""Every set of allowed values, once: the CLI, the config reader and the code import these."""

from __future__ import annotations

from typing import Literal, get_args

TsStyle = Literal["const", "enum"]
ReportFormat = Literal["text", "json", "markdown", "github", "junit"]
FailOn = Literal["breaking", "dangerous", "any", "never"]
# In order of precedence: a report lists breaking changes first.
Severity = Literal["breaking", "dangerous", "non_breaking", "cosmetic"]
Bump = Literal["major", "minor", "patch", "none"]
# In order of precedence within a severity.
Kind = Literal[
    "dictionary_removed",
    "dictionary_renamed",
    "entry_removed",
    "code_renamed",
    "label_changed",
    "label_swapped",
    "entry_added",
    "dictionary_added",
    "description_changed",
    "tips_changed",
]
Status = Literal["up_to_date", "recorded", "differs"]
Dialect = Literal["postgresql", "sqlite", "mysql"]
ShowFormat = Literal["table", "json"]
# "own": a seed runs in a transaction of its own; "none": in the caller's (psql -1, a migration tool).
SqlTransaction = Literal["own", "none"]

TS_STYLES: tuple[TsStyle, ...] = get_args(TsStyle)
REPORT_FORMATS: tuple[ReportFormat, ...] = get_args(ReportFormat)
FAIL_ON_LEVELS: tuple[FailOn, ...] = get_args(FailOn)
SEVERITIES: tuple[Severity, ...] = get_args(Severity)
BUMPS: tuple[Bump, ...] = get_args(Bump)
KINDS: tuple[Kind, ...] = get_args(Kind)
DIALECTS: tuple[Dialect, ...] = get_args(Dialect)
SHOW_FORMATS: tuple[ShowFormat, ...] = get_args(ShowFormat)
SQL_TRANSACTIONS: tuple[SqlTransaction, ...] = get_args(SqlTransaction)
