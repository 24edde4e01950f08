"""How the demo talks to the running services: nameko's standalone RPC over ``AMQP_URI``, as any
client would, and bounded waits that say what they are waiting for."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from nameko.exceptions import MethodNotFound
from nameko.standalone.rpc import ClusterRpcProxy


class Refusal(Exception):
    """A service answered with its refusal shape (``{"error": ...}``) where the day needed a
    yes: the call and the answer, for the report."""

    def __init__(self, call: str, answer: dict[str, Any]):
        super().__init__(call, answer)
        self.call = call
        self.answer = answer

    def __str__(self) -> str:
        return f"{self.call} answered {self.answer}"


class TimedOut(Exception):
    """A bounded wait ran out: what was awaited, and how far it got."""


class Cluster:
    """The services' RPC. ``call`` returns an answer or raises :class:`Refusal`; ``ask`` returns
    the refusal as it came (for the calls whose "no" the day expects)."""

    def __init__(self, amqp_uri: str, timeout: float = 30) -> None:
        self._proxy = ClusterRpcProxy({"AMQP_URI": amqp_uri}, timeout=timeout)
        self._rpc: Any = None

    def __enter__(self) -> Cluster:
        self._rpc = self._proxy.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._proxy.stop()

    def ask(self, service: str, method: str, *args: Any, **kwargs: Any) -> Any:
        return getattr(getattr(self._rpc, service), method)(*args, **kwargs)

    def call(self, service: str, method: str, *args: Any, **kwargs: Any) -> Any:
        answer = self.ask(service, method, *args, **kwargs)
        if isinstance(answer, dict) and "error" in answer:
            raise Refusal(f"{service}.{method}{_shown(args)}", answer)
        return answer

    def offers(self, service: str, method: str, *args: Any) -> bool:
        """Whether ``service`` has ``method`` (asked with harmless arguments)."""
        try:
            self.ask(service, method, *args)
        except MethodNotFound:
            return False
        return True


def _shown(args: tuple) -> str:
    text = ", ".join(repr(a) for a in args)
    return f"({text[:200]})"


def wait_until(
    done: Callable[[], Any],
    *,
    timeout: float,
    what: str,
    progress: Callable[[], str] | None = None,
    every: float = 5.0,
    poll: float = 0.5,
) -> Any:
    """Poll ``done`` until it returns something true; a progress line every ``every`` seconds;
    :class:`TimedOut` after ``timeout`` seconds, saying how far it got."""
    start = time.monotonic()
    shown = start
    while True:
        result = done()
        if result:
            return result
        now = time.monotonic()
        if now - start > timeout:
            raise TimedOut(
                f"{what}: not done after {timeout:.0f} s ({progress() if progress else ''})"
            )
        if progress and now - shown >= every:
            print(f"      … {what}: {progress()} ({now - start:.0f} s)", flush=True)
            shown = now
        time.sleep(poll)
