"""FastAPI dependencies shared by the service routers."""

from __future__ import annotations

from typing import Any

from fastapi import Request


def get_application(request: Request) -> Any:
    """The service's eventsourcing application, built at startup."""
    return request.app.state.container.app
