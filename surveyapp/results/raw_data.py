"""Raw responses for researchers: CSV with a codebook, and SPSS (.sav) with variable and value labels.

One row per completed response, one column per answer (as in :func:`.dataset.response_table`:
a multiple-choice item becomes a 0/1 column per option, ``item__option``), after the
response number, wave, language, times and the respondent's attributes (never name or email).

CSV: numbers stay numbers; a text cell that a spreadsheet would execute (starting with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return) gets a leading apostrophe, so it is
shown, not run (OWASP "CSV injection"). The codebook is a second CSV file: per column its
label, type and answer codes, in the report's language.

SPSS: single-choice answers are coded 1..k in option order with the option texts as value
labels; scale answers keep their value, labelled with the scale's point labels; "don't know"
is system-missing.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from typing import BinaryIO

import pandas as pd
from flask_babel import gettext as _

from ..questionnaire import Questionnaire
from .dataset import OTHER_TEXT_SUFFIX
from .labels import Labels
from .quality import FLAG_COLUMNS as QUALITY_FLAG_COLUMNS

#: Columns that describe the response rather than answer a question, in this order.
META_COLUMNS = ("wave", "language", "started_at", "completed_at", "questionnaire_version_id")
#: Each careless-response flag of the response, 0 or 1 (see :mod:`.quality`), after the meta columns.
FLAG_COLUMNS = tuple(QUALITY_FLAG_COLUMNS.values())
DROPPED = ("status", "wave_opens_at")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class Variable:
    name: str  # the column in the table
    label: str
    kind: str  # "meta", "attribute", "scale", "single", "multiple", "number", "text", "other"
    values: dict  # code -> label (as in the file: single-choice codes are 1..k in SPSS, the option value in CSV)
    construct: str = ""


def inert(value):
    """A text cell made safe for spreadsheets: a leading apostrophe before =, +, -, @, tab or CR."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def ordered_columns(table: pd.DataFrame, questionnaire: Questionnaire) -> list[str]:
    meta = [c for c in (*META_COLUMNS, *FLAG_COLUMNS) if c in table.columns]
    attributes = [c for c in questionnaire.attributes if c in table.columns]
    attributes += [c for c in ("crm_id",) if c in table.columns and c not in attributes]
    rest = [c for c in table.columns if c not in meta and c not in attributes and c not in DROPPED]
    return meta + attributes + rest


def variables(table: pd.DataFrame, questionnaire: Questionnaire, labels: Labels) -> list[Variable]:
    """What each column of the raw data means (the codebook), in the labels' language."""
    meta_labels = {
        "response_id": _("Response number"),
        "wave": _("Wave"),
        "language": _("Language of the response"),
        "started_at": _("Started at (UTC)"),
        "completed_at": _("Completed at (UTC)"),
        "questionnaire_version_id": _("Questionnaire version"),
    }
    flag_labels = {
        "careless_speeder": _("Careless: speeder (finished in less than a set share, by default a third, of the wave's median time)"),
        "careless_straightliner": _("Careless: straightliner (the same answer on every row of the matrices)"),
        "careless_duplicate": _("Careless: duplicate (the same answers as another response in the wave)"),
        "careless_inconsistent": _("Careless: inconsistent (agrees with an item and with its reversed twin)"),
    }
    constructs = {item: construct.id for construct in questionnaire.constructs.values() for item in construct.items}
    result = [Variable("response_id", meta_labels["response_id"], "meta", {})]
    for column in ordered_columns(table, questionnaire):
        if column in meta_labels:
            result.append(Variable(column, meta_labels[column], "meta", {}))
            continue
        if column in flag_labels:
            result.append(Variable(column, flag_labels[column], "flag", {0: _("no"), 1: _("yes")}))
            continue
        if column in questionnaire.attributes or column == "crm_id":
            attribute = questionnaire.attributes.get(column)
            label = _("CRM id") if column == "crm_id" else labels.attribute(column)
            values = {v: v for v in attribute.values} if attribute is not None and attribute.values else {}
            result.append(Variable(column, label, "attribute", values))
            continue
        result.append(_answer_variable(column, questionnaire, labels, constructs))
    return result


def questionnaire_columns(questionnaire: Questionnaire) -> list[str]:
    """The answer columns the raw data of ``questionnaire`` has, in questionnaire order."""
    columns = []
    for item in questionnaire.items():
        if item.type == "multiple":
            columns += [f"{item.id}__{option.value}" for option in item.options or ()]
        else:
            columns.append(item.id)
        if item.other_option is not None:
            columns.append(f"{item.id}{OTHER_TEXT_SUFFIX}")
    return columns


def codebook_variables(questionnaire: Questionnaire, labels: Labels) -> list[Variable]:
    """The codebook of every column a response can have, from the questionnaire alone."""
    columns = [*META_COLUMNS, *FLAG_COLUMNS,
               *[a for a in questionnaire.attributes if a not in ("name", "email")], *questionnaire_columns(questionnaire)]
    return variables(pd.DataFrame(columns=list(dict.fromkeys(columns))), questionnaire, labels)


def _answer_variable(column: str, questionnaire: Questionnaire, labels: Labels, constructs: dict) -> Variable:
    if column.endswith(OTHER_TEXT_SUFFIX):
        item_id = column[: -len(OTHER_TEXT_SUFFIX)]
        return Variable(column, f"{labels.item(item_id)}: {_('other, namely')}", "other", {})
    item_id, _sep, option = column.partition("__")
    try:
        item = questionnaire.item(item_id)
    except KeyError:
        return Variable(column, column, "text", {})
    construct = constructs.get(item_id, "")
    if option:
        found = item.option(option)
        option_label = labels.text(found.label, option) if found else option
        return Variable(column, f"{labels.item(item_id)}: {option_label}", "multiple",
                        {0: _("not chosen"), 1: _("chosen")}, construct)
    if item.scale is not None:
        values = {value: labels.text(text) for value, text in sorted(item.scale.labels.items())}
        return Variable(column, labels.item(item_id), "scale", values, construct)
    if item.options is not None:
        values = {o.value: labels.text(o.label, o.value) for o in item.options}
        return Variable(column, labels.item(item_id), "single", values, construct)
    if item.type == "number":
        return Variable(column, labels.item(item_id), "number", {}, construct)
    return Variable(column, labels.item(item_id), "text", {}, construct)


def _export_frame(table: pd.DataFrame, questionnaire: Questionnaire) -> pd.DataFrame:
    frame = table[ordered_columns(table, questionnaire)].reset_index()
    for column in frame.columns:
        series = frame[column]
        if pd.api.types.is_float_dtype(series) and series.dropna().eq(series.dropna().round()).all():
            frame[column] = series.astype("Int64")
        elif isinstance(series.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_any_dtype(series):
            frame[column] = pd.to_datetime(series, utc=True).dt.tz_localize(None)
    return frame


# --- CSV ------------------------------------------------------------------------------------------


def write_responses_csv(table: pd.DataFrame, questionnaire: Questionnaire, out: BinaryIO) -> None:
    """One row per response, one column per answer; text cells made inert."""
    frame = _export_frame(table, questionnaire)
    for column in frame.columns:
        if frame[column].dtype == object or isinstance(frame[column].dtype, pd.StringDtype):
            frame[column] = frame[column].map(inert)
    frame.columns = [inert(c) for c in frame.columns]
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
    frame.to_csv(text, index=False, date_format="%Y-%m-%dT%H:%M:%S")
    text.flush()
    text.detach()


def write_codebook_csv(table: pd.DataFrame, questionnaire: Questionnaire, labels: Labels, out: BinaryIO) -> None:
    """Per column of the responses file: name, label, type, answer codes and construct."""
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
    writer = csv.writer(text)
    writer.writerow(codebook_header())
    for row in codebook_rows(variables(table, questionnaire, labels)):
        writer.writerow([inert(cell) for cell in row])
    text.flush()
    text.detach()


def codebook_header() -> list[str]:
    return [_("Variable"), _("Label"), _("Type"), _("Values"), _("Construct")]


def codebook_rows(variable_list: list[Variable]) -> list[list[str]]:
    kinds = {
        "meta": _("response"), "attribute": _("attribute"), "scale": _("scale"), "single": _("single choice"),
        "multiple": _("multiple choice (0/1)"), "number": _("number"), "text": _("text"),
        "other": _("text (other, namely)"), "flag": _("flag (0/1)"),
    }
    return [[v.name, v.label, kinds.get(v.kind, v.kind), "; ".join(f"{code} = {text}" for code, text in v.values.items()),
             v.construct] for v in variable_list]


# --- SPSS -----------------------------------------------------------------------------------------


def spss_name(name: str, taken: set[str]) -> str:
    """A valid, unique SPSS variable name: letters, digits and _, starting with a letter, at most 64 bytes."""
    clean = re.sub(r"[^A-Za-z0-9_]", "_", name)
    if not clean or not clean[0].isalpha():
        clean = "v_" + clean
    clean = clean[:60]
    candidate, number = clean, 1
    while candidate.lower() in taken:
        number += 1
        candidate = f"{clean[:56]}_{number}"
    taken.add(candidate.lower())
    return candidate


def write_sav(table: pd.DataFrame, questionnaire: Questionnaire, labels: Labels, out: BinaryIO) -> None:
    """SPSS .sav with variable labels and value labels (pyreadstat)."""
    import os
    import tempfile

    import pyreadstat

    frame = _export_frame(table, questionnaire)
    variable_list = variables(table, questionnaire, labels)
    taken: set[str] = set()
    data, column_labels, value_labels, measures = {}, {}, {}, {}
    for variable in variable_list:
        name = spss_name(variable.name, taken)
        series = frame[variable.name]
        if variable.kind == "single":
            codes = {value: index for index, value in enumerate(variable.values, start=1)}
            by_text = {str(value): code for value, code in codes.items()}
            series = series.map(lambda v, codes=by_text: codes.get(str(v)) if pd.notna(v) else None).astype("float64")
            value_labels[name] = {float(code): variable.values[value] for value, code in codes.items()}
            measures[name] = "nominal"
        elif variable.kind in ("scale", "multiple", "flag"):
            series = series.astype("float64")
            value_labels[name] = {float(code): text for code, text in variable.values.items() if text}
            measures[name] = "ordinal" if variable.kind == "scale" else "nominal"
        elif pd.api.types.is_numeric_dtype(series):
            series = series.astype("float64")
            measures[name] = "scale"
        elif pd.api.types.is_datetime64_any_dtype(series):
            measures[name] = "scale"
        else:
            series = series.astype(object).where(series.notna(), "").astype(str)
            measures[name] = "nominal"
        data[name] = series
        column_labels[name] = variable.label[:255]
    spss = pd.DataFrame(data)
    handle, path = tempfile.mkstemp(suffix=".sav")
    os.close(handle)
    try:
        pyreadstat.write_sav(spss, path, column_labels=column_labels, variable_value_labels=value_labels,
                             variable_measure=measures, file_label=labels.text(questionnaire.title)[:64])
        with open(path, "rb") as file:
            while chunk := file.read(1 << 20):
                out.write(chunk)
    finally:
        os.unlink(path)
