"""All routers, one place."""

from fastapi import APIRouter

from app.api.routes import ask, documents, health, stats, web

api_router = APIRouter()
for module in (health, documents, ask, stats, web):
    api_router.include_router(module.router)
