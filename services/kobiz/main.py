"""``uvicorn --factory services.kobiz.main:create_app``"""

from fastapi import FastAPI

from services.bootstrap import create_app as _create_app
from shared.service import Service


def create_app() -> FastAPI:
    return _create_app(Service.KOBIZ)
