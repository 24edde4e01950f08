"""The referral service refuses with the kernel's refusals (one error shape for every RPC)."""

from sipmas.refusals import Invalid, NotFound, Refused

__all__ = ["Invalid", "NotFound", "Refused"]
