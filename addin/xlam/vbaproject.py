"""vbaProject.bin from VBA source text ([MS-OVBA] 2.2-2.3).

Streams: PROJECT (text properties), PROJECTwm (module names), VBA/_VBA_PROJECT
(version 0xFFFF: no compiled p-code, so Excel compiles from source), VBA/dir
(compressed project and module records) and one compressed source stream per
module, each with its text at offset 0.
"""

from __future__ import annotations

import random
import struct
import uuid
from dataclasses import dataclass

from .cfb import Node, write_compound_file
from .ovba import compress

CODE_PAGE = 1252  # modules are ASCII-only, so any ANSI code page reads them the same
# PROJECTCOMPATVERSION as Excel writes it (quickstart.xlsm in the xlwings package holds 5).
COMPAT_VERSION = 5
# The 7 bytes of a _VBA_PROJECT stream without p-code, as [MS-OVBA] 3.1.1 shows them and as the
# add-ins shipped with xlwings hold them: 0x61CC, version 0xFFFF (compile from source), 0x00, 0x0001.
VBA_PROJECT_STREAM = bytes([0xCC, 0x61, 0xFF, 0xFF, 0x00, 0x01, 0x00])
DOCUMENT_BASES = {"ThisWorkbook": "0{00020819-0000-0000-C000-000000000046}",
                  "Sheet1": "0{00020820-0000-0000-C000-000000000046}"}
OFFICE_LIBID = ("*\\G{2DF8D04C-5BFA-101B-BDE5-00AA0044DE52}#2.0#0#"
                "C:\\Program Files\\Common Files\\Microsoft Shared\\OFFICE16\\MSO.DLL#"
                "Microsoft Office 16.0 Object Library")
STDOLE_LIBID = "*\\G{00020430-0000-0000-C000-000000000046}#2.0#0#C:\\Windows\\System32\\stdole2.tlb#OLE Automation"


@dataclass(frozen=True)
class Module:
    """A VBA module: standard (.bas) or a document module (ThisWorkbook, Sheet1)."""

    name: str
    source: str
    document: bool = False


def document_module(name: str) -> Module:
    """An empty document module with the attributes Excel writes."""
    attributes = [f'Attribute VB_Name = "{name}"', f'Attribute VB_Base = "{DOCUMENT_BASES[name]}"',
                  "Attribute VB_GlobalNameSpace = False", "Attribute VB_Creatable = False",
                  "Attribute VB_PredeclaredId = True", "Attribute VB_Exposed = True",
                  "Attribute VB_TemplateDerived = False", "Attribute VB_Customizable = True"]
    return Module(name, "\r\n".join(attributes) + "\r\n", document=True)


def _record(record_id: int, data: bytes) -> bytes:
    return struct.pack("<HI", record_id, len(data)) + data


def _text(value: str) -> bytes:
    return value.encode(f"cp{CODE_PAGE}")


def _reference(name: str, libid: str) -> bytes:
    name_record = _record(0x0016, _text(name)) + _record(0x003E, name.encode("utf-16-le"))
    libid_bytes = _text(libid)
    registered = struct.pack("<I", len(libid_bytes)) + libid_bytes + struct.pack("<IH", 0, 0)
    return name_record + _record(0x000D, registered)


def dir_stream(project: str, modules: list[Module]) -> bytes:
    """The uncompressed dir stream (2.3.4.2)."""
    out = bytearray()
    out += _record(0x0001, struct.pack("<I", 3))  # SysKind: 64-bit Windows
    out += _record(0x004A, struct.pack("<I", COMPAT_VERSION))
    out += _record(0x0002, struct.pack("<I", 0x0409))
    out += _record(0x0014, struct.pack("<I", 0x0409))
    out += _record(0x0003, struct.pack("<H", CODE_PAGE))
    out += _record(0x0004, _text(project))
    out += _record(0x0005, b"") + _record(0x0040, b"")
    out += _record(0x0006, b"") + _record(0x003D, b"")
    out += _record(0x0007, struct.pack("<I", 0))
    out += _record(0x0008, struct.pack("<I", 0))
    out += struct.pack("<HIIH", 0x0009, 4, 1, 0)  # PROJECTVERSION: reserved size 4, major, minor
    out += _record(0x000C, b"") + _record(0x003C, b"")
    out += _reference("stdole", STDOLE_LIBID) + _reference("Office", OFFICE_LIBID)
    out += _record(0x000F, struct.pack("<H", len(modules)))
    out += _record(0x0013, struct.pack("<H", 0xFFFF))
    for module in modules:
        out += _record(0x0019, _text(module.name))
        out += _record(0x0047, module.name.encode("utf-16-le"))
        out += _record(0x001A, _text(module.name)) + _record(0x0032, module.name.encode("utf-16-le"))
        out += _record(0x001C, b"") + _record(0x0048, b"")
        out += _record(0x0031, struct.pack("<I", 0))  # source text at offset 0: no p-code
        out += _record(0x001E, struct.pack("<I", 0))
        out += _record(0x002C, struct.pack("<H", 0xFFFF))
        out += _record(0x0022 if module.document else 0x0021, b"")
        out += _record(0x002B, b"")
    out += _record(0x0010, b"")
    return bytes(out)


def encrypt_property(project_id: str, data: bytes, seed: int) -> str:
    """[MS-OVBA] 2.4.3 data encryption of the CMG/DPB/GC properties (no protection set)."""
    version, key = 2, sum(project_id.encode("ascii")) & 0xFF
    out = bytearray([seed, seed ^ version, seed ^ key])
    unencrypted, encrypted1, encrypted2 = key, seed ^ key, seed ^ version
    ignored = [seed] * ((seed & 6) // 2)  # VBA itself repeats the seed here
    for byte in [*ignored, *len(data).to_bytes(4, "little"), *data]:
        value = byte ^ ((encrypted2 + unencrypted) & 0xFF)
        out.append(value)
        encrypted2, encrypted1, unencrypted = encrypted1, value, byte
    return out.hex().upper()


def project_stream(project: str, modules: list[Module], project_id: str, seed: int) -> bytes:
    """The PROJECT stream (2.3.1): text properties, unprotected and visible."""
    lines = [f'ID="{project_id}"']
    for module in modules:
        lines.append(f"Document={module.name}/&H00000000" if module.document else f"Module={module.name}")
    lines += [f'Name="{project}"', 'HelpContextID="0"', 'VersionCompatible32="393222000"',
              f'CMG="{encrypt_property(project_id, bytes(4), seed)}"',
              f'DPB="{encrypt_property(project_id, bytes(1), seed)}"',
              f'GC="{encrypt_property(project_id, bytes([0xFF]), seed)}"', "",
              "[Host Extender Info]", "&H00000001={3832D640-CF90-11CF-8E43-00A0C911005A};VBE;&H00000000", ""]
    return "\r\n".join(lines).encode(f"cp{CODE_PAGE}")


def project_wm(modules: list[Module]) -> bytes:
    out = bytearray()
    for module in modules:
        out += _text(module.name) + b"\0" + module.name.encode("utf-16-le") + b"\0\0"
    return bytes(out + b"\0\0")


def build_vba_project(project: str, modules: list[Module], seed: int | None = None) -> bytes:
    """The bytes of vbaProject.bin for ``modules`` (source with CRLF line ends)."""
    project_id = "{" + str(uuid.uuid5(uuid.NAMESPACE_URL, "fenjie/" + project)).upper() + "}"
    seed = random.Random(project).randrange(256) if seed is None else seed
    root = Node("Root Entry")
    root.add(Node("PROJECT", project_stream(project, modules, project_id, seed)))
    root.add(Node("PROJECTwm", project_wm(modules)))
    vba = root.add(Node("VBA"))
    vba.add(Node("_VBA_PROJECT", VBA_PROJECT_STREAM))
    vba.add(Node("dir", compress(dir_stream(project, modules))))
    for module in modules:
        vba.add(Node(module.name, compress(_text(module.source))))
    return write_compound_file(root)
