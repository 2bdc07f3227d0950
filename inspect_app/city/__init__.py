"""The city center: the districts' bundles received and verified, figures, charts, the city report."""
