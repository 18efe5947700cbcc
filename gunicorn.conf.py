"""gunicorn settings for the web process, read by `gunicorn config.wsgi` from this folder.

The bind address stays on the command line (compose.yaml: 0.0.0.0:8000 inside the
container).
"""

import logging

from config.env import env_int
from config.log_filters import StripQueryStrings

# Threads, not plain sync workers: a sync worker busy longer than `timeout` is killed, and
# the zip of a large run takes longer than that to send. The gthread main loop keeps
# reporting while a thread streams the download.
worker_class = "gthread"
workers = env_int("WEB_CONCURRENCY", 3, minimum=1)
threads = env_int("WEB_THREADS", 4, minimum=1)

# The access log leaves out query strings: the admin's search puts voter names in them
# (?q=family name), and voter names never go to a log.
accesslog = "-"
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'
# And whatever gunicorn itself logs of a request (the URI of one that failed, an access
# format changed one day) loses its query string on the way: the filter sits on the
# loggers, which keep it when gunicorn (re)installs their handlers.
for _name in ("gunicorn.access", "gunicorn.error"):
    logging.getLogger(_name).addFilter(StripQueryStrings())

# The control socket (one fixed path in the home folder) is not used here, and two servers
# on one machine would fight over it.
control_socket_disable = True
