"""The web layer: thin blueprints that parse a request, call one use case and render."""
