"""The leader's review of the district's inspections: accept, return, recommend 示范站."""
