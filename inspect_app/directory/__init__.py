"""The station directory (名录) and the 市场监管所: search, edit, import and export in Excel."""
