"""The ``sipmas`` command and the demo: the application that uses the services.

It stands beside ``services/``, not inside the kernel (``sipmas``): the kernel imports no
service, this package imports them all — :mod:`.system` names them, :mod:`.topology` declares
the broker queues they consume from, :mod:`.main` is the command line, :mod:`.demo` drives a
realistic day through the running system.
"""
