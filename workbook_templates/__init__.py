"""Bundled workbook and message templates. Users may copy and restyle them; a folder
of their own (``--template-dir`` or the FENJIE_TEMPLATES environment variable)
overrides these by file name."""
