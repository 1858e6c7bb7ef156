"""The Futian demo: stations, one account per role, and the precinct — all through services."""
