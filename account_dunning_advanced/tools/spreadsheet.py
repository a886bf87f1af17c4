# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Files the addon exports for spreadsheets (CSV), written so that no cell
runs as a formula when an agency opens them."""

import csv
import io

# OWASP "CSV injection": a cell starting with one of these is read as a
# formula (or, for tab and carriage return, its next character is) by Excel,
# LibreOffice and Google Sheets; the full-width forms are read the same way
# by some of them.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def spreadsheet_cell(value):
    """``value`` as a cell a spreadsheet shows as written: a text starting
    like a formula gets a leading single quote (shown as text, and visible
    to whoever reads the raw file); numbers are the figures we compute and
    stay numbers, a negative amount included; None and False are empty."""
    if value is None or value is False:
        return ""
    if isinstance(value, bool | int | float):
        return value
    text = str(value)
    if text.startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


def csv_bytes(columns, rows):
    """UTF-8 CSV of ``rows`` (dicts keyed by ``columns``; a missing key is an
    empty cell), with a header line, every cell through
    :func:`spreadsheet_cell`."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, restval="")
    writer.writeheader()
    writer.writerows(
        {key: spreadsheet_cell(value) for key, value in row.items()} for row in rows
    )
    return buffer.getvalue().encode("utf-8")
