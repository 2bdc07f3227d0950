"""What every feature's use cases share: the errors views map to responses, and the permission check."""
