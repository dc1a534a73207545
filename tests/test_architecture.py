"""The layout's rules, checked on the source so that breaking one fails the suite.

Dependencies point one way: channels (bot/line, skills/alexa, the CLI, the web app) ->
the engine and the domain packages -> the data model, loaders and store (ingest/) -> the
text layer (text/). See docs/architecture.md.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT

#: The engine and the domain packages: the channel-agnostic core.
CORE = ("bot/engine", "bot/garbage", "bot/transit", "bot/retrieval", "bot/weather")
#: Channel and web packages the core must never import.
CHANNEL_SDKS = ("flask", "flask_ask_sdk", "flask_wtf", "flask_login", "werkzeug", "gunicorn", "linebot",
                "ask_sdk_core", "ask_sdk_model", "ask_sdk_webservice_support", "ask_sdk_runtime")
#: The app's own channel-side modules, likewise.
APP_MODULES = ("bot.config", "bot.line", "bot.app", "bot.serve", "bot.cli", "bot.web", "skills")
IN_TREE = ("bot", "ingest", "skills", "text")


def python_files(*folders: str) -> Iterator[Path]:
    for folder in folders:
        yield from sorted((ROOT / folder).rglob("*.py"))


def imported_modules(path: Path) -> Iterator[tuple[int, str]]:
    """Every module a file imports, at any depth (lazy imports inside functions count)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module
            for alias in node.names:  # "from bot import line" imports bot.line
                yield node.lineno, f"{node.module}.{alias.name}"


def within(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def offenders(folders: tuple[str, ...], forbidden: tuple[str, ...]) -> list[str]:
    return [
        f"{p.relative_to(ROOT)}:{line}: imports {module}"
        for p in python_files(*folders)
        for line, module in imported_modules(p)
        if within(module, forbidden)
    ]


def test_ingest_imports_nothing_from_answering_or_channels() -> None:
    assert offenders(("ingest",), ("bot", "skills")) == []


def test_the_text_layer_imports_nothing_from_the_project() -> None:
    assert offenders(("text",), ("bot", "ingest", "skills")) == []


def test_the_core_imports_no_channel_sdk_or_web_framework() -> None:
    assert offenders(CORE, CHANNEL_SDKS) == []


def test_the_core_imports_no_app_settings_or_channel_code() -> None:
    assert offenders(CORE, APP_MODULES) == []


def test_ingest_and_text_import_no_channel_sdk() -> None:
    assert offenders(("ingest", "text"), CHANNEL_SDKS) == []


@pytest.mark.parametrize("domain", ["bot/garbage", "bot/transit", "bot/weather"])
def test_a_domain_package_does_not_reach_into_another(domain: str) -> None:
    """Domains meet only in the engine (answerer routing and the briefing)."""
    others = tuple(d.replace("/", ".") for d in ("bot/garbage", "bot/transit", "bot/weather", "bot/retrieval")
                   if d != domain)
    assert offenders((domain,), others) == []


def test_no_in_tree_import_is_hidden_behind_an_import_error_guard() -> None:
    """A guarded in-tree import turns a real bug into a silently missing feature."""
    found = []
    for p in python_files(*IN_TREE):
        tree = ast.parse(p.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Try):
                continue
            catches = {ast.unparse(h.type) for h in node.handlers if h.type is not None}
            if not catches & {"ImportError", "ModuleNotFoundError"}:
                continue
            for inner in node.body:
                for sub in ast.walk(inner):
                    names = ([a.name for a in sub.names] if isinstance(sub, ast.Import) else
                             [sub.module or ""] if isinstance(sub, ast.ImportFrom) else [])
                    found += [f"{p.relative_to(ROOT)}:{sub.lineno}: {n}" for n in names if within(n, IN_TREE)]
    assert found == []


def test_no_module_is_loaded_by_name_at_run_time() -> None:
    hits = [f"{p.relative_to(ROOT)}" for p in python_files(*IN_TREE)
            if "importlib.import_module" in p.read_text(encoding="utf-8")]
    assert hits == []


def test_the_core_keeps_no_module_level_caches() -> None:
    """The engine owns every cache, so that reload refreshes them all."""
    found = []
    for p in python_files(*CORE):
        tree = ast.parse(p.read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for dec in node.decorator_list:
                    name = ast.unparse(dec)
                    if "lru_cache" in name or name in ("cache", "functools.cache"):
                        found.append(f"{p.relative_to(ROOT)}:{node.lineno}: @{name} {node.name}")
            value = node.value if isinstance(node, (ast.Assign, ast.AnnAssign)) else None
            if value is None:
                continue
            empty_literal = isinstance(value, (ast.Dict, ast.List, ast.Set)) and not (
                getattr(value, "keys", None) or getattr(value, "elts", None))
            empty_call = (isinstance(value, ast.Call) and ast.unparse(value.func) in
                          ("dict", "list", "set", "weakref.WeakKeyDictionary", "WeakKeyDictionary",
                           "weakref.WeakValueDictionary", "OrderedDict", "defaultdict"))
            if empty_literal or empty_call:
                found.append(f"{p.relative_to(ROOT)}:{node.lineno}: {ast.unparse(node)[:60]}")
    assert found == []


def test_each_shared_limit_is_defined_once() -> None:
    for name in ("MAX_QUESTION_CHARS", "MAX_MESSAGES", "MAX_PER_CALL"):
        defs = [f"{p.relative_to(ROOT)}" for p in python_files(*IN_TREE)
                for node in ast.parse(p.read_text(encoding="utf-8")).body
                if isinstance(node, (ast.Assign, ast.AnnAssign))
                and name in {ast.unparse(t) for t in (node.targets if isinstance(node, ast.Assign) else [node.target])}]
        assert len(defs) <= 1, f"{name} defined in {defs}"
