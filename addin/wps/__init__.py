"""FenJie in WPS 表格: a WPS 加载项 (JS add-in) over a local FenJie service.

WPS has no xlwings and, on Linux, no VBA. Its JS add-ins can call a helper on
127.0.0.1, so the ribbon's JS posts the workbook's FenJie sheets to
``fenjie serve`` and applies the writes it answers with:

- :mod:`addin.wps.book`: a workbook fed from the request that records writes as actions;
- :mod:`addin.wps.service`: the loopback HTTP service (token, Origin check);
- :mod:`addin.wps.build`: the add-in folder, generated from macros/customUI14.xml;
- :mod:`addin.wps.install`: per-user install into WPS' jsaddons, start at login.
"""
