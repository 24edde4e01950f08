"""Endpoint groups of the gateway as mixins of ``GatewayService`` (``service.py`` lists them as
its bases): each method is an ``@endpoint`` like those of the service itself, served by the same
``http.serve`` (authentication, policy, audit)."""
