"""The staff console: a web page under /staff/ where staff edit and publish the knowledge,
fix wrong answers and see what stayers ask (issue 12). ``init_app`` registers it."""

from bot.web.staff.console import init_app

__all__ = ["init_app"]
