"""The recording workbook of the WPS service, with the same test view as the remote engine's RemoteBook.

tests/test_ribbon.py runs every button on both; the expectations are shared.
"""

from __future__ import annotations

from addin.wps.book import RecordingBook


class RecordingRemote:
    """A workbook as the WPS add-in posts it, and the per-sheet view of the actions it records."""

    def __init__(self, sheets: dict[str, list[list[object]]]) -> None:
        request = {"book": {"fullName": "工作簿.xlsx", "sheets": [{"name": n, "values": v} for n, v in sheets.items()]}}
        self.book = RecordingBook.from_request(request)

    def actions(self) -> list[dict]:
        return self.book.actions

    def written(self) -> dict[str, list[list[object]]]:
        """Sheet name -> the last values written to A1 of it."""
        return {a["sheet"]: a["values"] for a in self.actions() if a["type"] == "setValues" and a["address"] == "A1"}

    def alerts(self) -> list[str]:
        return [a["message"] for a in self.actions() if a["type"] == "alert"]

    def colored(self) -> list[str]:
        return [a["address"] for a in self.actions() if a["type"] == "setColor"]
