"""Builds the Alexa skill (ask-sdk-core) around an engine. Nothing happens at import time."""

from __future__ import annotations

from collections.abc import Callable

from ask_sdk_core.skill import CustomSkill
from ask_sdk_core.skill_builder import SkillBuilder

from bot.config import Settings
from bot.engine.contract import Answer, ConciergeEngine, Question
from skills.alexa.handlers import CatchAllExceptionHandler, SkillDeps, request_handlers
from skills.alexa.houses import HouseResolver


def build_skill(engine: ConciergeEngine, settings: Settings,
                record: Callable[[Question, Answer | None], None] | None = None) -> CustomSkill:
    """A CustomSkill whose handlers ask ``engine`` (and log each answer with ``record``);
    the skill id is enforced when set."""
    deps = SkillDeps(engine=engine, houses=HouseResolver(settings.alexa_device_houses, engine), record=record)
    builder = SkillBuilder()
    for handler in request_handlers(deps):
        builder.add_request_handler(handler)
    builder.add_exception_handler(CatchAllExceptionHandler())
    skill = builder.create()
    if settings.alexa_skill_id:  # ask-sdk-core checks it too, as a second line
        skill.skill_id = settings.alexa_skill_id
    return skill
