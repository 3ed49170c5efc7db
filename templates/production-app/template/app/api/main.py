"""All routers, one place."""

from fastapi import APIRouter

from app.api.routes import chat, feedback, health, jobs, metrics, users, web

api_router = APIRouter()
for module in (health, users, chat, jobs, feedback, metrics, web):
    api_router.include_router(module.router)
