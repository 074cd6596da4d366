#!/bin/sh
# Prints the command that runs uv (stdout), installing uv first when none works.
#
# Never into a system Python: Debian/Ubuntu's and Homebrew's refuse `pip install` (PEP 668,
# "externally managed"), and installing there would change the machine for everyone. uv goes
# into a virtual environment of its own (REZ_TOOLS_DIR, default <repository>/.tools), made with
# whatever python3 is at hand (3.8 or newer; uv then fetches the Python 3.13 the project needs
# when the machine has none). `--find` only looks: it installs nothing and fails when none works.
# Progress and messages go to stderr.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
tools=${REZ_TOOLS_DIR:-$root/.tools}

# `uv --version`, not `command -v uv`: a pyenv shim exists even where it cannot run uv.
if uv --version >/dev/null 2>&1; then echo uv; exit 0; fi
if "$tools/bin/uv" --version >/dev/null 2>&1; then echo "$tools/bin/uv"; exit 0; fi
if python3 -m uv --version >/dev/null 2>&1; then echo "python3 -m uv"; exit 0; fi
if [ "${1:-}" = "--find" ]; then
    echo "uv is not installed: run \`make setup\`" >&2
    exit 1
fi

python=""
for candidate in python3 python; do
    if "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 8))' >/dev/null 2>&1; then
        python=$candidate
        break
    fi
done
if [ -z "$python" ]; then
    echo "uv is missing and there is no python3 to install it with: install uv itself" >&2
    echo "(https://docs.astral.sh/uv/getting-started/installation/), then run make again" >&2
    exit 1
fi
echo "installing uv into $tools (a virtual environment of its own; $("$python" -c 'import sys; print(sys.executable)') stays untouched)..." >&2
if ! "$python" -m venv "$tools" >&2; then
    echo "could not create $tools with $python -m venv (on Debian/Ubuntu: apt install python3-venv)," >&2
    echo "or install uv itself: https://docs.astral.sh/uv/getting-started/installation/" >&2
    exit 1
fi
"$tools/bin/python" -m pip install --disable-pip-version-check --progress-bar on uv >&2
"$tools/bin/uv" --version >&2
echo "$tools/bin/uv"
