"""The follow-up of a campaign: rectification orders and their re-checks, the city's spot checks, the results
notice (通报)."""
