"""One HTTP POST and what its answer means for a retry (SMS gateways and webhooks alike)."""

from __future__ import annotations

import urllib.error
import urllib.request

from services.notifications.channels import OK, PERMANENT, TEMPORARY, Outcome
from sipmas import settings

RETRYABLE_STATUS = frozenset({408, 425, 429})


def classify(status: int) -> str:
    """2xx ok; 5xx, 408, 425, 429 temporary; any other answer permanent (retrying cannot help)."""
    if 200 <= status < 300:
        return OK
    if status >= 500 or status in RETRYABLE_STATUS:
        return TEMPORARY
    return PERMANENT


def post(url: str, body: bytes, headers: dict[str, str], timeout: float | None = None) -> Outcome:
    """POST ``body``; the outcome names the status or the network error, never the body."""
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(
            request, timeout=timeout or settings.notify_http_timeout()
        ) as answer:
            return Outcome(classify(answer.status), f"HTTP {answer.status}")
    except urllib.error.HTTPError as error:
        return Outcome(classify(error.code), f"HTTP {error.code}")
    except TimeoutError:
        return Outcome(TEMPORARY, "timeout")
    except urllib.error.URLError as error:
        return Outcome(TEMPORARY, f"connection: {type(error.reason).__name__}")
    except (ConnectionError, OSError) as error:
        return Outcome(TEMPORARY, f"connection: {type(error).__name__}")
    except ValueError as error:  # an unusable URL: fix the contact, then resend
        return Outcome(PERMANENT, f"invalid url: {type(error).__name__}")
