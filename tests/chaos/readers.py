"""A district supervisor reading households through the gateway all through the chaos run, so
that the gateway is killed while it serves people's data: every answer that carried a
household must have its audit entry (``ledger.person_reads``), whatever was killed when.

The supervisor is made the way an admin makes one (``sipmas users create`` and ``sipmas users
token``, on the gateway's database); the reads are plain HTTP with the token.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass

from tests.support.services import ROOT

READER = "chaos-reader"


@dataclass(frozen=True)
class Read:
    """One request and what came back. ``asked``: the household read, None for a search;
    ``status`` None when no answer came (refused or cut); ``answered``: the households the
    answer carried."""

    asked: int | None
    status: int | None
    request_id: str | None
    answered: tuple[int, ...] = ()


def supervisor_token(env: dict[str, str]) -> str:
    """A district-wide supervisor (with the email a supervisor has: they are told of flags and
    resolved cases) and a token for it, as an admin issues them."""

    def sipmas(*argv: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "sipmas_cli", "users", "--actor", "chaos-admin", *argv],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        return done.stdout.strip()

    sipmas("create", READER, "--role", "supervisor", "--email", f"{READER}@dinsos.example.go.id")
    return sipmas("token", READER).splitlines()[-1]


class Reader(threading.Thread):
    """Searches (any five households of the district), then reads one of those found, over and
    over until stopped: before the import it finds nothing, and is audited all the same."""

    def __init__(self, base_url: str, token: str, seed: int) -> None:
        super().__init__(name="chaos-reader", daemon=True)
        self.api = base_url.rstrip("/") + "/api/v1/households"
        self.token = token
        self.random = random.Random(f"{seed}:reader")
        self.reads: list[Read] = []
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.wait(0.05):
            found = self.get(None, "?limit=5")
            self.reads.append(found)
            if found.answered:
                household_id = self.random.choice(found.answered)
                self.reads.append(self.get(household_id, f"/{household_id}"))

    def get(self, asked: int | None, path: str) -> Read:
        request = urllib.request.Request(
            self.api + path, headers={"Authorization": f"Bearer {self.token}"}
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                body = json.loads(answer.read())
                carried = body["households"] if asked is None else [body]
                ids = tuple(h["id"] for h in carried)
                return Read(asked, answer.status, answer.headers.get("X-Request-Id"), ids)
        except urllib.error.HTTPError as refused:
            return Read(asked, refused.code, refused.headers.get("X-Request-Id"))
        except OSError:  # the gateway is down, or was killed while answering
            return Read(asked, None, None)

    def stop(self) -> list[Read]:
        self.stopping.set()
        self.join(15)
        return self.reads
