"""The preview under odd requests and signals: 4xx without a traceback, and nothing left in /tmp.

Every case runs `lettre preview` as a real process (its stderr is what a user sees), with
its own TMPDIR, so that a build folder left behind is seen.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import MINIMAL
from tests.hostile.conftest import answered, audit_build

WAIT = 300  # seconds; generous: the machine is shared, and no case depends on speed


@dataclass
class Preview:
    process: subprocess.Popen[str]
    tmp: Path
    port: int = 0

    def left(self) -> list[str]:
        return sorted(p.name for p in self.tmp.glob("lettre-preview-*"))

    def started(self) -> None:
        """Wait for the line that gives the address (the first build is done by then)."""
        assert self.process.stdout
        for line in self.process.stdout:
            if line.startswith("Preview of"):
                self.port = int(line.split("http://127.0.0.1:")[1].split("/")[0])
                return
        pytest.fail(f"the preview stopped before serving: {self.process.stderr}")

    def stop(self, number: int = signal.SIGTERM) -> str:
        """Send `number`; the stderr of the whole run once it has ended."""
        self.process.send_signal(number)
        _, stderr = self.process.communicate(timeout=WAIT)
        return stderr


def start(tmp_path: Path) -> Preview:
    root = tmp_path / "newsletter"
    if not root.exists():
        shutil.copytree(MINIMAL, root)
    tmp = tmp_path / f"tmp-{len(list(tmp_path.glob('tmp-*')))}"
    tmp.mkdir()
    env = {**os.environ, "TMPDIR": str(tmp), "PYTHONUNBUFFERED": "1", "NO_COLOR": "1"}
    command = [sys.executable, "-m", "lettre", "--repo", str(root), "preview", "--port", "0"]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    return Preview(process, tmp)


def ask(
    port: int, target: bytes, method: bytes = b"GET", host: bytes | None = None, extra: bytes = b""
) -> int:
    """The status of one raw request: the target is sent as given, bytes and all."""
    with socket.create_connection(("127.0.0.1", port), timeout=WAIT) as connection:
        host = f"127.0.0.1:{port}".encode() if host is None else host
        connection.sendall(b"%s %s HTTP/1.1\r\nHost: %s\r\n%sConnection: close\r\n\r\n"
                           % (method, target, host, extra))  # fmt: skip
        first = connection.makefile("rb").readline()
    assert first.startswith(b"HTTP/1."), f"no answer to {target[:80]!r}: {first!r}"
    status = int(first.split()[1])
    answered(status, target[:80])
    return status


ODD = [
    "/events?since=²".encode(),
    "/events?since=١٢".encode(),  # Arabic-Indic digits
    "/events?since=１".encode(),  # a full-width digit
    b"/events?since=%C2%B2",
    b"/events?since=-1",
    b"/events?since=+1",
    b"/events?since=%2B1",
    b"/events?since=1e3",
    b"/events?since=0x10",
    b"/events?since=1.0",
    b"/events?since=" + b"9" * 19,
    b"/events?since=" + b"9" * 5000,
    b"/events?since=",
    b"/events?since",
    b"/events?since=1&since=2",
    b"/events?since=1&since=1",
    b"/events?since=1&other=2",
    b"/events?other=2",
    b"/events?since=%",
    b"/events?since=%4",
    b"/events?since=%zz",
    b"/events?since=%00",
    b"/events?since=1%0d%0aX-Injected:%201",
    b"/events?&",
    b"/events??",
    b"/?since=1",
    b"/?x",
    b"/files/lettre-de-test-2025-06-13.html?x=1",
    b"/%",
    b"/%zz",
    b"/%ff",
    b"/%C0%AE%C0%AE/publication.yaml",  # overlong UTF-8 for '..'
    b"/%ED%A0%80",  # a lone surrogate
    "/files/é".encode(),
    "/files/é".encode("latin-1"),
    b"/files/%00",
    b"/files/a%00.html",
    b"/files/..",
    b"/files/../publication.yaml",
    b"/files/..%2fpublication.yaml",
    b"/files/%2e%2e/%2e%2e/publication.yaml",
    b"/files/%2E%2E%2F%2E%2E%2Fpublication.yaml",
    b"/files/..%5c..%5cpublication.yaml",
    b"/files/./lettre-de-test-2025-06-13.html",
    b"/files/.lettre-build.json",
    b"/files/.cache",
    b"/files//etc/passwd",
    b"/files/%2fetc%2fpasswd",
    b"/files/",
    b"/files",
    b"/dark/..",
    b"/dark/%2e%2e/x",
    b"//",
    b"/files/" + b"a" * 300,  # one name longer than the system allows
    b"/files/" + b"a/" * 600,
    b"/files/" + b"a" * 5000,
    b"/" + b"a/" * 40_000,  # past the server's line limit
    b"/files/%F0%9F%98%80.html",
    b"*",
    b"http://evil.example/",
    b"/\\..\\publication.yaml",
    b"/files/lettre-de-test-2025-06-13.html#x",
    b"/<script>",
]


@pytest.fixture(scope="module")
def preview(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Preview]:
    running = start(tmp_path_factory.mktemp("preview"))
    running.started()
    yield running
    if running.process.poll() is None:
        running.stop()


@pytest.mark.parametrize("target", ODD, ids=lambda t: repr(t[:40])[2:-1])
def test_an_odd_request_is_answered_4xx_and_the_preview_goes_on(
    preview: Preview, target: bytes
) -> None:
    assert 400 <= ask(preview.port, target) < 500
    assert ask(preview.port, b"/") == 200
    assert preview.process.poll() is None


@pytest.mark.parametrize("method", [b"POST", b"PUT", b"DELETE", b"HEAD", b"OPTIONS", b"PATCH"])
def test_only_get_is_answered(preview: Preview, method: bytes) -> None:
    assert ask(preview.port, b"/", method) == 405


@pytest.mark.parametrize("host", [b"evil.example", b"127.0.0.1", b"127.0.0.1:1", b"", b"[::1]"])
def test_another_host_is_refused(preview: Preview, host: bytes) -> None:
    assert ask(preview.port, b"/", host=host) == 421


def test_a_second_host_header_is_refused(preview: Preview) -> None:
    assert ask(preview.port, b"/", extra=b"Host: evil.example\r\n") == 421
    assert (
        ask(
            preview.port,
            b"/",
            host=b"evil.example",
            extra=f"Host: 127.0.0.1:{preview.port}\r\n".encode(),
        )
        == 421
    )


def test_a_good_build_number_is_still_understood(preview: Preview) -> None:
    """The strict reading refuses nothing the page itself sends (a stale page is told at once)."""
    with socket.create_connection(("127.0.0.1", preview.port), timeout=WAIT) as connection:
        connection.sendall(
            f"GET /events?since=0 HTTP/1.1\r\nHost: 127.0.0.1:{preview.port}\r\n\r\n".encode()
        )
        answer = connection.makefile("rb")
        assert answer.readline().split()[1] == b"200"
        while answer.readline() not in (b"\r\n", b""):
            pass
        assert answer.readline().startswith(b"data: ")  # generation 0 is long gone
    assert ask(preview.port, b"/files/lettre-de-test-2025-06-13.html") == 200
    assert ask(preview.port, b"/dark/lettre-de-test-2025-06-13.html") == 200


def test_after_all_that_no_traceback_and_no_folder_left(preview: Preview) -> None:
    stderr = preview.stop(signal.SIGTERM)
    assert "Traceback" not in stderr and "request failed" not in stderr, stderr
    assert preview.process.returncode == 0, stderr
    assert preview.left() == []


@pytest.mark.parametrize("number", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_a_signal_while_serving_removes_the_build_folder(tmp_path: Path, number: int) -> None:
    running = start(tmp_path)
    running.started()
    assert len(running.left()) == 1 and ask(running.port, b"/") == 200
    stderr = running.stop(number)
    assert running.left() == [], stderr
    assert "Traceback" not in stderr, stderr
    assert running.process.returncode == 0, stderr


@pytest.mark.parametrize("number", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_a_signal_during_the_first_build_removes_the_build_folder(
    tmp_path: Path, number: int
) -> None:
    """Whenever the signal falls (the folder exists, the build runs): nothing is left."""
    running = start(tmp_path)
    while not running.left() and running.process.poll() is None:
        time.sleep(0.01)  # the folder appears once the handlers are in place
    stderr = running.stop(number)
    assert running.left() == [], stderr
    assert "Traceback" not in stderr, stderr
    assert running.process.returncode in (0, 1), stderr


def test_the_audit_allows_exactly_what_a_build_needs(tmp_path: Path) -> None:
    """The audit of tests/hostile/conftest.py, fed a build that also reaches out on purpose."""
    root, out = tmp_path / "newsletter", tmp_path / "dist"
    shutil.copytree(MINIMAL, root)
    outside = tmp_path.parent / f"{tmp_path.name}-outside"  # beside the repository, in /tmp
    reach = f"""
import os, tempfile
open({str(outside)!r}, "w").close()                      # a cache in /tmp: a write outside
os.close(os.open({str(outside)!r}, os.O_RDONLY))          # reading it: outside too
open({str(root / "publication.yaml")!r}, "a").close()     # the repository is read-only
os.mkdir({str(root / "new")!r})
open({str(root / "publication.yaml")!r}).close()          # reading it is fine
os.makedirs({str(out)!r}, exist_ok=True)
open({str(out / "x")!r}, "w").close(); os.remove({str(out / "x")!r})  # the output is writable
os.remove({str(outside)!r})
"""
    audit = audit_build(root, out, also=reach)
    assert audit["code"] == 0
    assert sorted(audit["forbidden"]) == sorted(
        [
            f"w {outside}",
            f"r {outside}",
            f"w {root}/publication.yaml",
            f"w {root}/new",
            f"w {outside}",
        ]
    )
