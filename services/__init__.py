"""SIPMAS services: one package each (registry, verification, referral, notifications, gateway)."""
