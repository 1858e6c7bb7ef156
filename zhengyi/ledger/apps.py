from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "zhengyi.ledger"
    label = "ledger"
    verbose_name = "倒查跟踪"

    def ready(self) -> None:
        # The start-up integrity check, also reachable as `zhengyi check --deploy`.
        from zhengyi.ledger import checks  # noqa: F401
