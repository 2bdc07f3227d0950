"""Who may do what: roles and accounts, passwords, signing certificates and PIN limits."""
