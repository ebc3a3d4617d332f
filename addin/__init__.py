"""FenJie 任务分解助手: from an upper-level work plan to a 任务分解表.

The engine flows one way, one module per step:

    plan (read a document) -> outline -> decompose (task rows)
    -> units / deadlines -> validate -> workbook -> progress

``addin.cli`` and ``addin.ribbon`` are thin front doors over it.
"""

__version__ = "0.1.0"
