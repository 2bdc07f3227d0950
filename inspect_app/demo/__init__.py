"""Demo data: offices, stations, accounts, a season of inspections, signers and their PINs."""
