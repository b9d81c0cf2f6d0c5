from django.apps import AppConfig


class BenchPeerConfig(AppConfig):
    name = 'benchpeer'

    def ready(self):
        from . import receivers  # noqa: F401  (connects the inbound signal)
