"""Policy Assistant: answers questions over policy documents with cited passages, offline."""

from __future__ import annotations

from typing import TYPE_CHECKING

__version__ = "0.1.0"
__all__ = ["Assistant", "Settings", "AssistantError", "__version__"]

if TYPE_CHECKING:
    from assistant.config import Settings
    from assistant.core import Assistant
    from assistant.models import AssistantError


def __getattr__(name: str):
    # Lazy, so `policy-assistant --help` does not import Chroma or torch.
    if name == "Assistant":
        from assistant.core import Assistant

        return Assistant
    if name == "Settings":
        from assistant.config import Settings

        return Settings
    if name == "AssistantError":
        from assistant.models import AssistantError

        return AssistantError
    raise AttributeError(f"module 'assistant' has no attribute {name!r}")
