"""Verification: field visits that decide a household's welfare class and needs, with evidence."""
