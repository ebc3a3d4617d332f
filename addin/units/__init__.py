"""Step 4 of the flow: who does each task (牵头/责任/配合单位)."""

from .notes import UnitRoles, extract_unit_notes, parse_unit_note, split_unit_names

__all__ = ["UnitRoles", "extract_unit_notes", "parse_unit_note", "split_unit_names"]
