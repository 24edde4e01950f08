"""The registry: one register of poor and vulnerable households, by name, by address."""
