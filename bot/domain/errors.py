"""The one exception a handler raises to answer the user instead of doing the work."""


class UserError(Exception):
    """Bad input or a refusal. Its text (plain, not HTML) is the reply; nothing was changed."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text
