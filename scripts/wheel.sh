#!/usr/bin/env bash
# Builds and installs pum the way Python users get it: `pip install .` into a
# fresh venv (maturin, pyproject.toml), then checks what got installed: the
# `pum` command, with libpq and OpenSSL built in (no libpq.so, no libssl.so),
# the install tests (completions, man, colour, TLS) run against it, and the
# demo's upgrade run with it. `pip install .` runs the same build.
#
#   scripts/wheel.sh                 release build, as `pip install .` does it
#   scripts/wheel.sh --profile dev   the dev profile, which shares the test
#                                    build's artifacts (CI)
#
# The wheel goes to target/wheels/, the venv is target/wheel-venv (made anew
# each time); it prints the wheel's size and the build time.
set -euo pipefail
cd "$(dirname "$0")/.."
profile=release
case "${1:-}" in
  --profile) profile=${2:?--profile needs a cargo profile}; shift 2 ;;
  "") ;;
  *) echo "wheel.sh: unknown option $1" >&2; exit 2 ;;
esac
export PAGER=cat

scripts/setup.sh
python=$(command -v python3)
venv=target/wheel-venv
rm -rf "$venv"
"$python" -m venv "$venv"
echo "wheel.sh: building the wheel ($profile profile; maturin builds pum, libpq and OpenSSL)"
rm -f target/wheels/pum_rs-*.whl
start=$(date +%s)
# pip runs the same build as `pip install .` (maturin, in an isolated
# environment); maturin adds MATURIN_PEP517_ARGS to its cargo build.
MATURIN_PEP517_ARGS="--profile $profile" PIP_DISABLE_PIP_VERSION_CHECK=1 \
  "$venv/bin/pip" wheel --no-deps --no-cache-dir -w target/wheels .
took=$(( $(date +%s) - start ))
wheel=$(ls target/wheels/pum_rs-*.whl)
echo "wheel.sh: built $wheel in ${took} s ($(du -k "$wheel" | cut -f1) KiB)"
PIP_DISABLE_PIP_VERSION_CHECK=1 "$venv/bin/pip" install -q "$wheel"
pum="$venv/bin/pum"
echo "wheel.sh: installed $pum: $("$pum" --version)"

# Built in: the binary needs no libpq or OpenSSL from the system.
if ldd "$pum" | grep -E 'libpq|libssl|libcrypto'; then
  echo "wheel.sh: the installed pum links the system's libpq or OpenSSL" >&2
  exit 1
fi
echo "wheel.sh: linked: $(ldd "$pum" | awk '{print $1}' | tr '\n' ' ')"

# The install tests against the installed binary (its own libpq and OpenSSL
# make the TLS connections).
PUM_TEST_BIN="$PWD/$pum" cargo test -p pum --test cli_install

# The demo's upgrade, with the installed pum.
PUM="$pum" scripts/demo.sh
