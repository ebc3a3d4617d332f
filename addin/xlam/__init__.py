"""Build the .xlam add-in on any OS: ribbon XML and VBA from macros/, packed by hand.

XlsxWriter cannot write .xlam or customUI and openpyxl refuses .xlam; the PyPI
ms-ovba 0.0.1 compresses modules over ~650 bytes wrongly (see shared/FACTS.md).
So the three pieces no library does are written here, each after its spec:
MS-OVBA compression (:mod:`.ovba`), the VBA project streams (:mod:`.vbaproject`)
and the compound file holding them (:mod:`.cfb`).
"""
