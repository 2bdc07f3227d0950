"""The audit trail: appended by every use case, chained and anchored in every signed manifest."""
