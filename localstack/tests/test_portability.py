"""The harness, the tools and the benchmarks run on Linux and macOS (x86_64 and arm64).

No Docker, no CI runner of each kind here: this test reads the code instead and fails on any
call that exists on Linux only, unless it sits in an ``if sys.platform == "linux":`` branch
(the other branch then does the portable thing). macOS has no ``/proc`` or ``/sys``
(https://developer.apple.com/library/archive/documentation/System/Conceptual/ManPages_iPhoneOS/man5/procfs.5.html
does not exist: its ``ps`` reads ``sysctl``); psutil answers process questions on both.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCANNED = [
    REPO / "localstack" / "src",
    *sorted((REPO / "tools").glob("*/src")),
    REPO / "bench",
]

#: Filesystems that exist on Linux only.
LINUX_PATHS = ("/proc", "/sys/", "/dev/shm", "/run/user")
#: Commands missing from macOS, or whose output or flags differ there (ps, sed -i, readlink -f
#: read differently; lsof is slow and absent from minimal images; name-based kills are banned).
LINUX_COMMANDS = frozenset(
    {
        "ss",
        "lsof",
        "fuser",
        "netstat",
        "ip",
        "pgrep",
        "pkill",
        "killall",
        "ps",
        "setsid",
        "timeout",
        "taskset",
        "nproc",
        "free",
        "systemctl",
        "readlink",
        "sed",
        "stat",
        "xargs",
    }
)
#: Standard-library names Python provides on Linux only.
LINUX_ATTRIBUTES = frozenset(
    {
        ("os", "sched_getaffinity"),
        ("os", "sched_setaffinity"),
        ("os", "pidfd_open"),
        ("os", "memfd_create"),
        ("os", "eventfd"),
        ("os", "posix_fadvise"),
        ("os", "getxattr"),
        ("os", "setxattr"),
        ("os", "listxattr"),
        ("os", "splice"),
        ("os", "copy_file_range"),
        ("os", "O_DIRECT"),
        ("os", "O_TMPFILE"),
        ("os", "sched_getscheduler"),
        ("select", "epoll"),
        ("signal", "SIGRTMIN"),
        ("signal", "SIGRTMAX"),
        ("signal", "SIGPWR"),
        ("signal", "pidfd_send_signal"),
        ("socket", "SO_PEERCRED"),
        ("time", "CLOCK_BOOTTIME"),
        ("resource", "RLIMIT_RTTIME"),
        ("os", "PR_SET_PDEATHSIG"),
    }
)


def _python_files() -> Iterator[Path]:
    for root in SCANNED:
        yield from sorted(p for p in root.rglob("*.py") if ".venv" not in p.parts)


def _linux_only_branch(node: ast.If) -> bool:
    """``if sys.platform == "linux"`` (or ``.startswith("linux")``): the body is Linux's own."""
    text = ast.unparse(node.test)
    return "sys.platform" in text and "linux" in text and "!=" not in text and "not " not in text


def _guarded(tree: ast.AST) -> set[int]:
    """ids of every node inside the body of a Linux-only branch."""
    inside: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and _linux_only_branch(node):
            for statement in node.body:
                inside.update(id(n) for n in ast.walk(statement))
    return inside


def _command_name(call: ast.Call) -> str | None:
    """The program a subprocess/os call starts, when it is written as a literal."""
    func = ast.unparse(call.func)
    if not func.startswith(("subprocess.", "os.system", "os.exec", "os.spawn", "os.popen")):
        return None
    if not call.args:
        return None
    first = call.args[0]
    if isinstance(first, ast.List | ast.Tuple) and first.elts:
        first = first.elts[0]
    if isinstance(first, ast.Constant) and isinstance(first.value, str):
        return Path(first.value.split()[0]).name if first.value.strip() else None
    return None


def linux_only_calls(source: str, name: str = "<string>") -> list[str]:
    """Every Linux-only use in ``source`` outside a Linux-only branch, as ``line: what``."""
    tree = ast.parse(source, name)
    guarded = _guarded(tree)
    found: list[str] = []
    for node in ast.walk(tree):
        if id(node) in guarded:
            continue
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if node.value.startswith(LINUX_PATHS) or "/proc/" in node.value:
                found.append(f"{node.lineno}: path {node.value!r}")
        elif isinstance(node, ast.JoinedStr):
            head = node.values[0] if node.values else None
            if isinstance(head, ast.Constant) and str(head.value).startswith(LINUX_PATHS):
                found.append(f"{node.lineno}: path f-string {ast.unparse(node)}")
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if (node.value.id, node.attr) in LINUX_ATTRIBUTES:
                found.append(f"{node.lineno}: {node.value.id}.{node.attr}")
        elif isinstance(node, ast.Call) and (command := _command_name(node)) in LINUX_COMMANDS:
            found.append(f"{node.lineno}: runs {command!r}")
    return found


@pytest.mark.parametrize("path", list(_python_files()), ids=lambda p: str(p.relative_to(REPO)))
def test_no_linux_only_call(path: Path) -> None:
    # GIVEN a module of the harness, a tool or a benchmark
    # WHEN its code is read
    found = linux_only_calls(path.read_text(), str(path))
    # THEN nothing in it works on Linux alone (or it sits in a Linux-only branch)
    assert not found, f"{path.relative_to(REPO)} assumes Linux:\n" + "\n".join(found)


@pytest.mark.parametrize(
    ("source", "what"),
    [
        ('open(f"/proc/{pid}/stat")', "path f-string"),
        ('Path("/proc/self/status").read_text()', "path '/proc/self/status'"),
        ('subprocess.run(["ss", "-ltnp"])', "runs 'ss'"),
        ('subprocess.run("lsof -i :4566", shell=True)', "runs 'lsof'"),
        ("os.sched_getaffinity(0)", "os.sched_getaffinity"),
        ("if sys.platform != 'linux':\n    open('/proc/uptime')", "path '/proc/uptime'"),
    ],
)
def test_the_check_finds_linux_only_calls(source: str, what: str) -> None:
    # GIVEN code that works on Linux only  WHEN it is checked  THEN the check names it
    assert any(what in line for line in linux_only_calls(source)), linux_only_calls(source)


def test_a_linux_branch_with_a_portable_fallback_passes() -> None:
    source = (
        "if sys.platform == 'linux':\n"
        "    peak = open('/proc/self/status').read()\n"
        "else:\n"
        "    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
    )
    assert linux_only_calls(source) == []


#: GNU-only forms in shell recipes (BSD sed/grep/readlink/xargs/date on macOS differ or refuse).
GNU_ONLY = re.compile(
    r"/proc/|\bsed -i\b|\bgrep -P\b|\breadlink -f\b|\bxargs -r\b|\bdate -d\b|\bss -|\blsof\b"
    r"|\bnproc\b|\bsetsid\b"
)
SCRIPTS = [
    REPO / "Makefile",
    REPO / "localstack" / "Makefile",
    REPO / ".ci" / "run",
    *sorted((REPO / "tools").glob("*.sh")),
]


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda p: str(p.relative_to(REPO)))
def test_no_gnu_only_shell_in_the_makefiles_and_scripts(path: Path) -> None:
    # GIVEN the commands a developer runs on any machine
    commands = [
        (number, line)
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if not line.lstrip().startswith("#")
    ]
    found = [
        f"{number}: {line.strip()}"
        for number, line in commands
        # GNU make 4's grouped output is chosen only when the running make supports it
        if GNU_ONLY.search(line) or ("--output-sync" in line and not line.startswith("OUTPUT_SYNC"))
    ]
    # THEN none of them needs GNU tools or Linux
    assert not found, f"{path.relative_to(REPO)}:\n" + "\n".join(found)
