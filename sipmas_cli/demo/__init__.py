"""``sipmas demo`` (a day driven through the running services, ``day.py``) and ``sipmas sinks``
(the development mail server, SMS gateway and webhook receivers, ``sinks.py``)."""
