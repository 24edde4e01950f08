"""The referral service: each need of a verified household referred to the OPD that owns it."""
