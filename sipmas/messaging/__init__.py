"""Messaging: how a SIPMAS service consumes events and answers calls, one idea per module.

A service method is decorated with what it consumes; nothing else needs to know about it (the
broker topology is read from these declarations, :mod:`.topology`):

- :func:`consumes` (:mod:`.consumer`): one event per worker, validated, retried with backoff
  and dead-lettered after the last attempt;
- :func:`consumes_batch` (:mod:`.batch`): the events that arrived together, in one worker;
- :func:`consumes_inbound` (:mod:`.ordered`): partners' messages, one at a time, in order;
- :data:`rpc` (:mod:`.rpc`): nameko's RPC, surviving a broker restart.

Each handler applies an event once: it records it in the inbox (:mod:`.inbox`) in the
transaction of its effect. Events are published only from the outbox (:mod:`sipmas.outbox`).
Failed messages travel with :mod:`.headers` to queues operators read and replay with
:mod:`.dead_letters`; :mod:`.scrub` keeps NIKs out of them. :mod:`.connection` and
:mod:`.publisher` are the kernel's own py-amqp connections and confirmed publisher.

A service imports each decorator from its module (``from sipmas.messaging.consumer import
consumes``): importing this package alone loads nothing, so a probe or a tool that needs only
:mod:`.connection` or :mod:`.topology` does not pay for nameko and eventlet.
"""
