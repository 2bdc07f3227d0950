"""Use cases: each takes a session and primitives, owns its transaction, and speaks the domain's words."""


class NotFound(LookupError):
    """The thing does not exist, or the actor may not know that it does."""


class Forbidden(PermissionError):
    """The actor's role may not do this."""


class Invalid(ValueError):
    """Input that breaks a rule; `errors` maps field names to Chinese messages."""

    def __init__(self, errors: dict[str, str] | str):
        self.errors = errors if isinstance(errors, dict) else {"": errors}
        super().__init__("；".join(self.errors.values()))


class Conflict(Exception):
    """The request was made on a stale state; `details` says what the client needs to decide."""

    def __init__(self, message: str, details: dict | None = None):
        super().__init__(message)
        self.details = details or {}
