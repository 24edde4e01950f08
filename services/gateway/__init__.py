"""The gateway: the public HTTP API over the other services, its users and its audit log."""
