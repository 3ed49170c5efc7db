"""All routers, one place."""

from fastapi import APIRouter

from app.api.routes import approvals, health, runs, tickets, web

api_router = APIRouter()
for module in (health, tickets, runs, approvals, web):
    api_router.include_router(module.router)
