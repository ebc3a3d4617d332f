Attribute VB_Name = "FenJie"
Option Explicit

' The one dispatcher every button of the FenJie ribbon calls (customUI14.xml).
' It passes the button id to Python; all logic and every Chinese word live there.
' Keep this module ASCII-only: VBA modules are stored in the ANSI code page.

Public Sub FenJieRibbon(control As IRibbonControl)
    RunPython "import addin.ribbon; addin.ribbon.dispatch('" & control.Id & "')"
End Sub
