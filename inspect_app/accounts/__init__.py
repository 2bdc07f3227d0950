"""Accounts and sign-in: users, one-time passwords, sessions, the sign-in limits, the admin's pages."""
