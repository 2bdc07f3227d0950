"""Following a season up: rectification orders and the city's spot checks (plain rules, no framework)."""
