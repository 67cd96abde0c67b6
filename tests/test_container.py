"""The Dockerfile and compose.yaml, without a container engine (none runs here).

Read: the image runs as a numbered non-root user, keeps its database in the /data volume,
listens on 0.0.0.0 on the port it exposes and health-checks /readyz there, and copies only what
.dockerignore lets in. Run (slow): the image's layout made by its own COPY, RUN and ENV lines in
a directory, then its ENTRYPOINT and CMD started there, answering /readyz and its HEALTHCHECK.
"""

from __future__ import annotations

import re
import signal
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.support import dockerfile
from tests.support.dockerfile import Instruction, Layout
from tests.support.installed import ROOT, clean_env, once
from tests.support.servers import start_command

IMAGE_PORT = 8080


@pytest.fixture(scope="module")
def instructions() -> list[Instruction]:
    return dockerfile.parse(dockerfile.DOCKERFILE.read_text())


@pytest.fixture(scope="module")
def final(instructions: list[Instruction]) -> list[Instruction]:
    return dockerfile.final_stage(instructions)


def command_of(final: list[Instruction]) -> list[str]:
    entrypoint = dockerfile.exec_form(dockerfile.one(final, "ENTRYPOINT").arguments)
    return entrypoint + dockerfile.exec_form(dockerfile.one(final, "CMD").arguments)


def test_the_image_is_slim_and_runs_as_a_numbered_user_it_creates(
    instructions: list[Instruction], final: list[Instruction]
) -> None:
    assert all(
        instruction.arguments.split()[0].endswith("-slim")
        for instruction in instructions
        if instruction.keyword == "FROM"
    )
    user = dockerfile.one(final, "USER").arguments
    assert user.isdigit()
    assert int(user) != 0
    runs = " ".join(instruction.arguments for instruction in final if instruction.keyword == "RUN")
    assert re.search(rf"useradd .*--uid {user}\b", runs)
    # The user comes before what the image runs, so the server is never root.
    keywords = [instruction.keyword for instruction in final]
    assert keywords.index("USER") < keywords.index("ENTRYPOINT")


def test_the_default_database_is_in_the_data_volume(final: list[Instruction]) -> None:
    assert dockerfile.one(final, "VOLUME").arguments == "/data"
    env = dockerfile.env_of(final)
    assert env["ECWID_CUSTOMERS_DATABASE_URL"] == "sqlite:////data/ecwid.db"
    runs = " ".join(instruction.arguments for instruction in final if instruction.keyword == "RUN")
    assert "chown ecwid /data" in runs  # the unprivileged user can write its database


def test_it_listens_on_all_interfaces_on_the_port_it_exposes_and_checks(
    final: list[Instruction],
) -> None:
    command = command_of(final)
    assert command[:2] == ["ecwid-customers", "serve"]
    assert command[command.index("--host") + 1] == "0.0.0.0"  # noqa: S104
    assert command[command.index("--port") + 1] == str(IMAGE_PORT)
    assert dockerfile.one(final, "EXPOSE").arguments == str(IMAGE_PORT)
    options, check = dockerfile.healthcheck(dockerfile.one(final, "HEALTHCHECK"))
    assert check[:2] == ["python", "-c"]
    assert f"http://127.0.0.1:{IMAGE_PORT}/readyz" in check[2]
    assert {"interval", "timeout", "start-period", "retries"} <= options.keys()


def test_it_copies_only_what_dockerignore_lets_in(instructions: list[Instruction]) -> None:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    assert "*" in lines  # everything is left out but what is named
    allowed = {line[1:].rstrip("/") for line in lines if line.startswith("!")}
    copied = {
        source.rstrip("/")
        for instruction in instructions
        if instruction.keyword == "COPY" and "--from=" not in instruction.arguments
        for source in instruction.arguments.split()[:-1]
    }
    assert copied <= allowed
    assert all((ROOT / name).exists() for name in allowed)


def test_compose_points_the_server_at_its_postgresql() -> None:
    text = (ROOT / "compose.yaml").read_text()
    setting = dict(re.findall(r"^\s+(POSTGRES_\w+): (\S+)$", text, re.MULTILINE))
    url = re.search(r"ECWID_CUSTOMERS_DATABASE_URL: (\S+)", text)
    assert url is not None
    service = re.search(r"^  (\w+):\n    image: postgres:", text, re.MULTILINE)
    assert service is not None
    assert url[1] == (
        f"postgresql://{setting['POSTGRES_USER']}:{setting['POSTGRES_PASSWORD']}"
        f"@{service[1]}:5432/{setting['POSTGRES_DB']}"
    )
    assert "condition: service_healthy" in text  # the server starts once PostgreSQL answers


@pytest.fixture(scope="session")
def layout(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Layout:
    """The image's layout, built once per run (xdist workers wait for one build)."""
    base = tmp_path_factory.getbasetemp()
    shared = (base if worker_id == "master" else base.parent) / "container"
    built = Layout(root=shared / "root", venv=shared / "venv")
    instructions = dockerfile.parse(dockerfile.DOCKERFILE.read_text())
    once(shared, lambda: built.build(instructions, clean_env()))
    # ENV and WORKDIR, which the build sets as it goes, read again when another process built it.
    built.env = {
        **clean_env(),
        **{
            name: built.rehome(value)
            for name, value in dockerfile.env_of(dockerfile.final_stage(instructions)).items()
        },
    }
    built.workdir = built.host(
        dockerfile.one(dockerfile.final_stage(instructions), "WORKDIR").arguments
    )
    return built


@pytest.mark.slow
def test_the_layout_serves_and_passes_its_health_check(
    layout: Layout, final: list[Instruction]
) -> None:
    assert not layout.host("/wheels").exists()  # the RUN cleaned up after itself
    drivers = subprocess.run(
        [str(layout.venv / "bin" / "python"), "-c", "import asyncpg, psycopg"], check=False
    )
    assert drivers.returncode == 0  # the image serves PostgreSQL too (compose.yaml)
    command = command_of(final)
    command[command.index("--port") + 1] = "0"  # a free port: other tests run beside this one
    server = start_command(
        [str(layout.venv / "bin" / command[0]), *command[1:]],
        env=layout.shell_env(),
        cwd=layout.workdir,
    )
    try:
        _, check = dockerfile.healthcheck(dockerfile.one(final, "HEALTHCHECK"))
        check[2] = check[2].replace(f":{IMAGE_PORT}/", f":{server.port}/")

        def health() -> int:
            done = subprocess.run(
                check, env=layout.shell_env(), cwd=layout.workdir, timeout=30, check=False
            )
            return done.returncode

        assert httpx.get(f"http://127.0.0.1:{server.port}/readyz").status_code == 200
        assert health() == 0
        database = Path(layout.env["ECWID_CUSTOMERS_DATABASE_URL"].removeprefix("sqlite:///"))
        assert database.parent == layout.host("/data")
        assert database.exists()
    finally:
        assert server.stop(signal.SIGTERM) in (0, -signal.SIGTERM)
    assert health() != 0  # the check fails when nothing answers
