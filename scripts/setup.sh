#!/usr/bin/env bash
# Installs what pum needs, and only what is missing (safe to run again).
#
#   scripts/setup.sh            build + demo: PostgreSQL server and client, libpq
#   scripts/setup.sh --tests    + psycopg2 for Python deltas, Python pum 0.10 for
#                                 the compatibility tests
#   scripts/setup.sh --bench    + hyperfine and Python pum 0.10
#
# The other migration runners for bench/peers (sqlx-cli, dbmate, Sqitch) are
# installed by bench/peers/setup.sh, not here: neither the tests nor CI need
# them, and sqlx-cli takes minutes to build.
#
# Debian/Ubuntu (apt). Elsewhere it says what is missing and stops.
set -euo pipefail
cd "$(dirname "$0")/.."

tests=0 bench=0
for a in "$@"; do
  case $a in
    --tests) tests=1 ;;
    --bench) bench=1 ;;
    *) echo "setup.sh: unknown option $a" >&2; exit 2 ;;
  esac
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
if [ $tests = 1 ]; then
  /usr/bin/python3 -c 'import psycopg2' 2>/dev/null || pkgs+=(python3-psycopg2)
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
