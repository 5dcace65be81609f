#!/usr/bin/env bash
# Installs what pum needs, and only what is missing (safe to run again).
#
#   scripts/setup.sh            build + demo: PostgreSQL server and client, libpq,
#                                 psycopg2 for the interpreter pum runs Python deltas with
#   scripts/setup.sh --tests    + psycopg2 for /usr/bin/python3 (the tests' interpreter),
#                                 Python pum 0.10 and 1.9.2 for the compatibility tests, openssl,
#                                 zsh and fish for the install tests
#   scripts/setup.sh --bench    + hyperfine and Python pum 0.10
#   --python PATH               the interpreter pum will use, if not PUM_PYTHON or the
#                                 python3 first on PATH (as pum chooses it)
#
# The other migration runners for bench/peers (sqlx-cli, dbmate, Sqitch) are
# installed by bench/peers/setup.sh, not here: neither the tests nor CI need
# them, and sqlx-cli takes minutes to build.
#
# Debian/Ubuntu (apt). Elsewhere it says what is missing and stops.
set -euo pipefail
cd "$(dirname "$0")/.."

tests=0 bench=0 python=${PUM_PYTHON:-python3}
while [ $# -gt 0 ]; do
  case $1 in
    --tests) tests=1 ;;
    --bench) bench=1 ;;
    --python) [ $# -ge 2 ] || { echo "setup.sh: --python needs a path" >&2; exit 2; }
              python=$2; shift ;;
    --python=*) python=${1#--python=} ;;
    *) echo "setup.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else echo "setup.sh: need root to run: $*" >&2; exit 1
  fi
}

have_server() {
  local d
  d=$(pg_config --bindir 2>/dev/null || true)
  [ -n "$d" ] && [ -x "$d/initdb" ] && [ -x "$d/postgres" ] && return 0
  compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null
}

pkgs=()
have_server || pkgs+=(postgresql)
command -v psql >/dev/null || pkgs+=(postgresql-client)
command -v pg_dump >/dev/null || pkgs+=(postgresql-client)
pkg-config --exists libpq 2>/dev/null || pkgs+=(libpq-dev pkg-config)
command -v python3 >/dev/null || pkgs+=(python3)
# psycopg2 for the interpreter pum will run Python deltas with (--python,
# else PUM_PYTHON, else the python3 first on PATH): the distribution's own
# gets python3-psycopg2, any other (pyenv, a venv, conda) psycopg2-binary
# from its pip, below.
py=$(command -v "$python" || true)
py_pip=0
if [ -z "$py" ] && [ "$python" != python3 ]; then
  echo "setup.sh: the Python interpreter '$python' was not found" >&2
  exit 1
fi
if [ -z "$py" ] || [ "$("$py" -c 'import sys; print(sys.prefix)' 2>/dev/null)" = /usr ]; then
  "${py:-/usr/bin/python3}" -c 'import psycopg2' 2>/dev/null || pkgs+=(python3-psycopg2)
elif ! "$py" -c 'import psycopg2' 2>/dev/null; then
  py_pip=1
fi
if [ $tests = 1 ]; then
  /usr/bin/python3 -c 'import psycopg2' 2>/dev/null || pkgs+=(python3-psycopg2)
  # The install tests: a test certificate, a terminal, the shells completed.
  command -v openssl >/dev/null || pkgs+=(openssl)
  command -v script >/dev/null || pkgs+=(bsdutils)
  command -v zsh >/dev/null || pkgs+=(zsh)
  command -v fish >/dev/null || pkgs+=(fish)
fi
if [ $tests = 1 ] || [ $bench = 1 ]; then
  /usr/bin/python3 -c 'import venv, ensurepip' 2>/dev/null || pkgs+=(python3-venv)
fi
[ $bench = 1 ] && ! command -v hyperfine >/dev/null && pkgs+=(hyperfine)

if [ ${#pkgs[@]} -gt 0 ]; then
  if ! command -v apt-get >/dev/null; then
    echo "setup.sh: please install: ${pkgs[*]} (PostgreSQL server + client, libpq headers, python3)" >&2
    exit 1
  fi
  echo "setup.sh: installing ${pkgs[*]}"
  # pum starts its own throwaway clusters: no system-wide cluster is needed.
  if [ ! -e /etc/postgresql-common/createcluster.conf ]; then
    as_root mkdir -p /etc/postgresql-common
    echo "create_main_cluster = false" | as_root tee /etc/postgresql-common/createcluster.conf >/dev/null
  fi
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
fi

if [ $py_pip = 1 ]; then
  exe=$("$py" -c 'import sys; print(sys.executable)' 2>/dev/null || echo "$py")
  echo "setup.sh: installing psycopg2-binary for $exe (the interpreter pum runs Python deltas with; choose another with --python)"
  if ! PIP_ROOT_USER_ACTION=ignore "$py" -m pip install -q --disable-pip-version-check psycopg2-binary; then
    # Not fatal: only deltas that import psycopg2 need it.
    echo "setup.sh: warning: could not install psycopg2 with $exe -m pip: Python deltas that import it will fail; install it for that interpreter, or give pum another one (--python, PUM_PYTHON, config python)" >&2
  fi
fi

command -v cargo >/dev/null || {
  echo "setup.sh: cargo not found: install Rust from your distribution or rustup" >&2
  exit 1
}

# Python pum 0.10, for side-by-side tests and benchmarks (in a venv, with
# its own psycopg2 wheel).
if [ $tests = 1 ] || [ $bench = 1 ]; then
  venv=${PUM010_VENV:-target/pum010-venv}
  if [ ! -x "$venv/bin/pum" ]; then
    echo "setup.sh: installing Python pum 0.10 into $venv"
    /usr/bin/python3 -m venv "$venv"
    "$venv/bin/pip" install -q 'pum==0.10.0' psycopg2-binary 'setuptools<81'
  fi
fi

# Python pum 1.9.2 (the pum 1.x modules' tool), for the side-by-side tests,
# in a venv of its own with psycopg 3.
if [ $tests = 1 ]; then
  venv1=${PUM1_VENV:-target/pum1-venv}
  if [ ! -x "$venv1/bin/pum" ]; then
    echo "setup.sh: installing Python pum 1.9.2 into $venv1"
    /usr/bin/python3 -m venv "$venv1"
    "$venv1/bin/pip" install -q 'pum==1.9.2' 'psycopg[binary]'
  fi
fi

# Three interpreters for the Python delta contract tests: with setuptools
# (pkg_resources), with only packaging, with neither.
if [ $tests = 1 ]; then
  envs=${PUM_PY_ENVS:-target/py-envs}
  if [ ! -x "$envs/setuptools/bin/python" ]; then
    echo "setup.sh: creating test interpreters in $envs"
    /usr/bin/python3 -m venv "$envs/setuptools"
    "$envs/setuptools/bin/pip" install -q 'setuptools<81'
  fi
  if [ ! -x "$envs/packaging/bin/python" ]; then
    /usr/bin/python3 -m venv "$envs/packaging.tmp"
    "$envs/packaging.tmp/bin/pip" uninstall -q -y setuptools 2>/dev/null || true
    "$envs/packaging.tmp/bin/pip" install -q packaging
    rm -rf "$envs/packaging"
    /usr/bin/python3 -m venv --without-pip "$envs/packaging"
    cp -r "$envs"/packaging.tmp/lib/python3*/site-packages/packaging* \
      "$(echo "$envs"/packaging/lib/python3*/site-packages)/"
    rm -rf "$envs/packaging.tmp"
  fi
  if [ ! -x "$envs/bare/bin/python" ]; then
    /usr/bin/python3 -m venv --without-pip "$envs/bare"
  fi
fi
