"""deploy/: the Dockerfile, the compose file, the systemd unit and the crontab are
consistent with the code they run (checked by parsing them; nothing is built here)."""

from __future__ import annotations

import configparser
import fnmatch
import inspect
import json
import re
import shlex
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from bot.cli import cli
from bot.config import Settings
from tests.conftest import ROOT

DEPLOY = ROOT / "deploy"
URL = re.compile(r"https?://([^/\s'\"]+)")
LOOPBACK = {"127.0.0.1", "localhost", "[::1]"}


def settings_env_vars() -> set[str]:
    """Every variable name Settings.from_env mentions (the one place settings are read)."""
    names = set(re.findall(r"""["']([A-Z][A-Z0-9]*_[A-Z0-9_]+)["']""", inspect.getsource(Settings.from_env)))
    assert "CONCIERGE_KNOWLEDGE" in names and "LINE_CHANNEL_SECRET" in names
    return names


def console_scripts() -> dict[str, str]:
    return dict(tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"])


def help_of(*args: str) -> str:
    r = CliRunner().invoke(cli, [*args, "--help"])
    assert r.exit_code == 0, r.output
    return r.output


def listed_commands(*args: str) -> set[str]:
    """Command names in the "Commands:" section of a help text."""
    text = help_of(*args)
    section = text.split("Commands:", 1)[1] if "Commands:" in text else ""
    return {line.split()[0] for line in section.splitlines() if line.startswith("  ") and line.split()}


# -- Dockerfile ---------------------------------------------------------------------------


def dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuations joined and comment lines dropped."""
    out: list[tuple[str, str]] = []
    current = ""
    for raw in (DEPLOY / "Dockerfile").read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        current += line
        word, _, rest = current.partition(" ")
        out.append((word.upper(), rest.strip()))
        current = ""
    assert not current, "dangling line continuation"
    return out


def stages() -> list[list[tuple[str, str]]]:
    result: list[list[tuple[str, str]]] = []
    for instr, args in dockerfile():
        if instr == "FROM":
            result.append([])
        if result:
            result[-1].append((instr, args))
    return result


def exec_form(args: str) -> list[str]:
    assert args.startswith("["), f"use the exec form (JSON array): {args}"
    return list(json.loads(args))


def final_env() -> dict[str, str]:
    env: dict[str, str] = {}
    for instr, args in stages()[-1]:
        if instr == "ENV":
            for item in shlex.split(args):
                key, _, value = item.partition("=")
                env[key] = value
    return env


def test_the_image_is_multi_stage_on_python_slim() -> None:
    froms = [args for instr, args in dockerfile() if instr == "FROM"]
    assert len(froms) >= 2
    for args in froms:
        image = args.split()[0]
        assert image.startswith("python:") and "slim" in image, image


def test_the_image_runs_as_a_non_root_user() -> None:
    final = stages()[-1]
    users = [args.split(":")[0] for instr, args in final if instr == "USER"]
    assert users and users[-1] not in ("root", "0")
    names = [instr for instr, _ in final]
    assert names.index("USER") < names.index("CMD")


def test_cmd_is_concierge_serve_from_a_console_script() -> None:
    cmds = [exec_form(args) for instr, args in dockerfile() if instr == "CMD"]
    assert len(cmds) == 1
    cmd = cmds[0]
    assert cmd[:2] == ["concierge", "serve"]
    assert "concierge" in console_scripts()
    assert "serve" in listed_commands()
    serve_help = help_of("serve")
    for flag in (a for a in cmd[2:] if a.startswith("--")):
        assert flag in serve_help, flag
    assert "0.0.0.0" in cmd, "inside a container the server must listen on all interfaces"


def test_nothing_is_fetched_at_run_time() -> None:
    env = final_env()
    assert env.get("HF_HUB_OFFLINE") == "1" and env.get("ANONYMIZED_TELEMETRY") == "False"
    for instr, args in dockerfile():
        if instr in ("CMD", "ENTRYPOINT", "HEALTHCHECK"):
            assert not re.search(r"\b(curl|wget|pip|apt-get|git)\b", args), args
            for host in URL.findall(args):
                assert host.split(":")[0] in LOOPBACK or host in LOOPBACK, args
    health = [args for instr, args in dockerfile() if instr == "HEALTHCHECK"]
    assert len(health) == 1 and "/healthz" in health[0]


def test_the_image_needs_no_torch() -> None:
    runs = " ".join(args for instr, args in dockerfile() if instr == "RUN")
    assert "torch" not in runs and "sentence-transformers" not in runs
    assert not re.search(r"\.\[[^\]]*\bst\b", runs), "the st extra pulls torch"
    assert "pip install ." in runs


def test_every_copied_file_exists_and_is_in_the_build_context() -> None:
    ignored = [p.strip() for p in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
               if p.strip() and not p.startswith("#")]
    copies = [args for instr, args in dockerfile() if instr == "COPY" and "--from=" not in args]
    assert copies
    for args in copies:
        sources = args.split()[:-1]
        for src in sources:
            assert (ROOT / src).exists(), f"COPY {src}: no such file"
            assert not any(fnmatch.fnmatch(src, pat.rstrip("/")) for pat in ignored), f"{src} is in .dockerignore"
    for must in (".git", ".venv", "tests", "**/.env"):
        assert must in ignored


def test_the_image_env_uses_real_settings() -> None:
    names = {k for k in final_env() if k.startswith(("CONCIERGE_", "CHROMA_", "LINE_", "ALEXA_"))}
    assert names and names <= settings_env_vars()


# -- compose ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return dict(yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8")))


def test_compose_has_the_bot_chroma_and_postgres(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert {"bot", "chroma", "postgres"} <= set(services)
    assert services["chroma"]["image"].startswith("chromadb/chroma")
    assert services["postgres"]["image"].startswith("postgres")
    build = services["bot"]["build"]
    assert (DEPLOY / build["context"] / build["dockerfile"]).resolve() == (DEPLOY / "Dockerfile").resolve()
    for dep in ("chroma", "postgres"):
        assert services["bot"]["depends_on"][dep]["condition"] == "service_healthy"


def test_every_service_has_a_healthcheck(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        test = service.get("healthcheck", {}).get("test")
        assert test and test[0] in ("CMD", "CMD-SHELL"), name
    assert "/healthz" in " ".join(compose["services"]["bot"]["healthcheck"]["test"])


def test_the_bot_sets_only_settings_the_code_reads(compose: dict[str, Any]) -> None:
    env = compose["services"]["bot"]["environment"]
    assert isinstance(env, dict)
    unknown = set(env) - settings_env_vars()
    assert not unknown, f"not read by Settings.from_env: {sorted(unknown)}"
    assert env["CHROMA_HOST"] == "chroma"
    state = str(env["CONCIERGE_STATE_URL"])
    assert state.startswith("postgresql://") and "@postgres:5432/" in state
    for key in ("LINE_CHANNEL_SECRET", "LINE_CHANNEL_ACCESS_TOKEN"):
        assert str(env[key]).startswith("${"), f"{key} must come from deploy/.env, not the file"


def volume_parts(spec: str) -> list[str]:
    """"${DIR:-../knowledge}:/srv/knowledge:ro" -> [source, target, mode]."""
    return re.sub(r"\$\{[^}]*\}", "$VAR", spec).split(":")


def test_knowledge_and_data_are_volumes(compose: dict[str, Any]) -> None:
    bot = compose["services"]["bot"]
    env = bot["environment"]
    targets = {volume_parts(v)[1] for v in bot["volumes"]}
    assert env["CONCIERGE_KNOWLEDGE"] in targets
    for key in ("CONCIERGE_STORE", "CONCIERGE_DATA"):
        assert any(env[key] == t or env[key].startswith(t.rstrip("/") + "/") for t in targets), key
    named = {volume_parts(v)[0] for s in compose["services"].values() for v in s.get("volumes", [])
             if not v.startswith((".", "/", "$"))}
    assert named <= set(compose.get("volumes", {}))


# -- systemd --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def unit() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string((DEPLOY / "stay-concierge.service").read_text(encoding="utf-8"))
    return parser


def test_the_unit_serves_as_a_non_root_user(unit: configparser.ConfigParser) -> None:
    assert {"Unit", "Service", "Install"} <= set(unit.sections())
    service = unit["Service"]
    argv = shlex.split(service["ExecStart"])
    assert Path(argv[0]).name == "concierge" and argv[1] == "serve"
    assert service["User"] not in ("root", "0")
    assert service["Restart"] == "on-failure"
    assert service["EnvironmentFile"].startswith("/etc/")
    assert unit["Install"]["WantedBy"] == "multi-user.target"


def test_the_unit_is_hardened_and_writes_only_its_state(unit: configparser.ConfigParser) -> None:
    service = unit["Service"]
    assert service["ProtectSystem"] == "strict"
    assert service["NoNewPrivileges"] == "yes" and service["ProtectHome"] == "yes"
    state = f"/var/lib/{service['StateDirectory']}"
    assert service["ReadWritePaths"].split() == [state]
    assert service["WorkingDirectory"] == state


# -- cron ----------------------------------------------------------------------------------


def test_the_crontab_sends_the_morning_message_at_seven_tokyo_time() -> None:
    lines = [ln.strip() for ln in (DEPLOY / "crontab.example").read_text(encoding="utf-8").splitlines()
             if ln.strip() and not ln.lstrip().startswith("#")]
    variables = dict(ln.split("=", 1) for ln in lines if re.match(r"^[A-Z_]+=", ln))
    jobs = [ln for ln in lines if not re.match(r"^[A-Z_]+=", ln)]
    assert variables.get("CRON_TZ") == "Asia/Tokyo"
    assert len(jobs) == 1
    fields = jobs[0].split(None, 5)
    assert len(fields) == 6, "5 time fields and a command"
    assert fields[:5] == ["0", "7", "*", "*", "*"]
    words = shlex.split(fields[5])
    at = next(i for i, w in enumerate(words) if Path(w).name == "concierge")
    group, command = words[at + 1], words[at + 2]
    assert group in listed_commands() and command in listed_commands(group)
    assert (group, command) == ("line", "morning")
    options = help_of(group, command)
    for flag in (w for w in words[at + 3:] if w.startswith("--")):
        assert flag.split("=")[0] in options, flag
