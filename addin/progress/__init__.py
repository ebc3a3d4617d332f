"""Step 8 of the flow: the progress cycle — ledger, split to units, merge returns, summary."""
