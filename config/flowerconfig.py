"""Flower's settings (`celery -A config flower --conf=config/flowerconfig.py`).

Flower shows every task, its arguments and its worker, and can revoke tasks and shut workers
down, so it refuses to start without a login: ``MONITORING_BASIC_AUTH`` (``user:password``)
or the file ``MONITORING_BASIC_AUTH_FILE`` names. Not ``FLOWER_…``: Flower reads every
``FLOWER_*`` variable itself and stops on one it does not know, such as ``…_FILE``.
"""

from django.core.exceptions import ImproperlyConfigured

from config.env import env_str

_login = env_str("MONITORING_BASIC_AUTH", "")
_user, _, _password = _login.partition(":")
if not (_user and _password):
    raise ImproperlyConfigured(
        "MONITORING_BASIC_AUTH (or MONITORING_BASIC_AUTH_FILE) must be user:password;"
        " Flower is not started without a login"
    )
basic_auth = [_login]
