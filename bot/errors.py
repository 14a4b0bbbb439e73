"""The project's error hierarchy.

GurubotError
 ├── NotFound           → 404
 ├── Forbidden          → 403
 ├── BadRequest         → 400
 ├── ContentError       (broken content files, raised at start-up)
 └── SendError          (a provider refused or failed a send; classified once where caught)
      ├── RetryLater    (timeouts, 5xx, 429: try again after a delay)
      ├── Unreachable   (the contact blocked the bot or cannot receive: stop sending)
      ├── OutsideWindow (WhatsApp refused free text outside the 24-hour window: park, send a template)
      └── GiveUp        (a request retrying cannot fix)
"""


class GurubotError(Exception):
    """Base of every error the project raises on purpose."""


class NotFound(GurubotError):
    pass


class Forbidden(GurubotError):
    pass


class BadRequest(GurubotError):
    pass


class ContentError(GurubotError):
    pass


class SendError(GurubotError):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class RetryLater(SendError):
    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class Unreachable(SendError):
    pass


class OutsideWindow(SendError):
    pass


class GiveUp(SendError):
    pass
