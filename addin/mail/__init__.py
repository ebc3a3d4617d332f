"""Step 9 of the flow: send each unit its own workbook (.eml files, SMTP, or Outlook drafts)."""
