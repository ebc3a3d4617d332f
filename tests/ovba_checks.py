"""[MS-OVBA] checks written from the spec, independent of the add-in's own writer."""

from __future__ import annotations


def decrypt_property(text: str) -> bytes:
    """[MS-OVBA] 2.4.3.3 data decryption of a PROJECT stream value (CMG, DPB, GC)."""
    data = bytes.fromhex(text)
    seed, version_enc, key_enc = data[0], data[1], data[2]
    unencrypted, encrypted1, encrypted2 = seed ^ key_enc, key_enc, version_enc
    out = bytearray()
    for value in data[3:]:
        byte = value ^ ((encrypted2 + unencrypted) & 0xFF)
        out.append(byte)
        encrypted2, encrypted1, unencrypted = encrypted1, value, byte
    ignored = (seed & 6) // 2
    length = int.from_bytes(out[ignored:ignored + 4], "little")
    return bytes(out[ignored + 4:ignored + 4 + length])
