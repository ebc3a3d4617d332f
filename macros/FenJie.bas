Attribute VB_Name = "FenJie"
Option Explicit

' The one dispatcher every button of the FenJie ribbon calls (customUI14.xml).
' It passes the button id to Python, which works on the active workbook (xlwings'
' module for custom add-ins hands Python ActiveWorkbook); all logic and every Chinese
' word live there, except the one message for when there is no workbook to work on.
' Keep this module ASCII-only: VBA modules are stored in the ANSI code page.

' "Open or create a workbook first; a file in Protected View needs Enable Editing", in Chinese,
' as UTF-16 code points in hex (tests/test_addin.py reads it back).
Private Const NO_WORKBOOK As String = "8BF7 5148 6253 5F00 6216 65B0 5EFA 4E00 4E2A 5DE5 4F5C 7C3F FF1B 53D7 4FDD 62A4 89C6 56FE 4E2D 7684 6587 4EF6 8BF7 5148 70B9 201C 542F 7528 7F16 8F91 201D 3002"

Public Sub FenJieRibbon(control As IRibbonControl)
    If ActiveWorkbook Is Nothing Then
        ' No workbook open, or the active one is in Protected View: nothing for Python to work on.
        MsgBox FromCodes(NO_WORKBOOK), vbExclamation, "FenJie"
        Exit Sub
    End If
    RunPython "import addin.ribbon; addin.ribbon.dispatch('" & control.Id & "')"
End Sub

Private Function FromCodes(ByVal codes As String) As String
    Dim code As Variant
    For Each code In Split(codes, " ")
        FromCodes = FromCodes & ChrW(CLng("&H" & code))
    Next code
End Function
