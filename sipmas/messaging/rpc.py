"""RPC that survives a broker restart: every ``@rpc`` of a service comes from here."""

from __future__ import annotations

import logging
from typing import Any

import amqp.exceptions
import kombu.exceptions
from nameko.rpc import Rpc as NamekoRpc
from nameko.rpc import RpcConsumer

log = logging.getLogger("sipmas.messaging")  # one logger for the messaging kernel

CONNECTION_LOST = (OSError, amqp.exceptions.ConnectionError, kombu.exceptions.OperationalError)


class ReplyTolerantRpcConsumer(RpcConsumer):
    """nameko's RPC consumer, except that a reply or an ack lost with the broker connection is
    not fatal. nameko raises it from the worker, which kills the whole service (the chaos test
    saw it when RabbitMQ restarted while a call was being answered). The request was not acked:
    the broker gives it again once it is back and it is answered again (state-changing RPCs are
    idempotent); the caller, whose reply queue went with the broker, asks again."""

    def handle_result(self, message: Any, result: Any, exc_info: tuple | None) -> tuple:
        try:
            return super().handle_result(message, result, exc_info)
        except CONNECTION_LOST as error:
            log.warning("RPC reply lost with the broker connection (%s); it is asked again", error)
            return result, exc_info


class Rpc(NamekoRpc):
    rpc_consumer = ReplyTolerantRpcConsumer()


rpc = Rpc.decorator  # instead of nameko.rpc.rpc: every @rpc of a service must come from here
