"""The report of ``twin compare --report DIR``: a self-contained HTML page and an Excel workbook.

Both are made from the comparison dict (what ``twin compare --json`` prints) and nothing else: this
package reads numbers, it never simulates. Both files are rendered in memory, written to temporary
files beside their targets and renamed only when both are complete, so a failed run leaves an old
report in DIR as it was.
"""

from __future__ import annotations

import os
from pathlib import Path

from twin.report import excel, html
from twin.report.labels import LANGS, check_lang
from twin.run.files import OutputError, check_writable, write_atomic_files

HTML_NAME, EXCEL_NAME = "report.html", "report.xlsx"

__all__ = ["EXCEL_NAME", "HTML_NAME", "LANGS", "check_report_folder", "write_report"]


def report_files(folder: str | Path) -> list[Path]:
    """The two files a report in ``folder`` consists of; refuses a ``folder`` that is not a folder."""
    given = Path(folder).expanduser()
    if given.exists() and not given.is_dir():
        raise OutputError(f"{os.path.realpath(given)} is a file, not a folder; the report needs a folder")
    return [given / HTML_NAME, given / EXCEL_NAME]


def check_report_folder(folder: str | Path) -> list[Path]:
    """Before a run: the report files could be written in ``folder`` (raises OutputError in one line if not)."""
    return [check_writable(path) for path in report_files(folder)]


def write_report(result: dict, folder: str | Path, lang: str = "en") -> list[Path]:
    """Write ``report.html`` and ``report.xlsx`` for the comparison ``result`` into ``folder``; return both paths.

    ``folder`` is created if missing. Raises OutputError (one line) when it is a file or a write fails;
    nothing in ``folder`` has then changed and no temporary file remains.
    """
    check_lang(lang)
    html_path, excel_path = report_files(folder)
    page = html.render(result, lang)
    book = excel.workbook_bytes(result, lang)
    return write_atomic_files({html_path: page, excel_path: book})
