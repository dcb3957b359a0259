from django.apps import AppConfig


class EmulatorConfig(AppConfig):
    name = "console.emulator"
    label = "emulator"
    verbose_name = "Embedded Cognito Identity service"

    def ready(self) -> None:
        from . import operations  # noqa: F401  (each operation registers itself)
