"""Step 4 of the flow: who does each task (牵头/责任/配合单位)."""

from .notes import (
    UnitRoles,
    extract_unit_notes,
    note_segments,
    parse_unit_note,
    split_unit_names,
    standing_units,
    with_leaders,
)

__all__ = ["UnitRoles", "extract_unit_notes", "note_segments", "parse_unit_note", "split_unit_names",
           "standing_units", "with_leaders"]
