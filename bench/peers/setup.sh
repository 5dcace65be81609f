#!/usr/bin/env bash
# Installs the peers for bench/peers (only what is missing; safe to run
# again). Not used by the tests or CI.
#
#   sqlx-cli 0.9.0   cargo install --locked, postgres only  -> target/peers/bin/sqlx
#   dbmate 2.36.0    npm package (ships the static binary)   -> target/peers/bin/dbmate
#   Sqitch + DBD::Pg Debian packages sqitch, libdbd-pg-perl  -> /usr/bin/sqitch
#   hyperfine, Python pum 0.10: scripts/setup.sh --bench
#
# PEERS_DIR (default target/peers) says where sqlx and dbmate go.
set -euo pipefail
cd "$(dirname "$0")/../.."

SQLX_VERSION=0.9.0
DBMATE_VERSION=2.36.0
dir=${PEERS_DIR:-target/peers}
mkdir -p "$dir/bin"

bash scripts/setup.sh --bench

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else echo "peers/setup.sh: need root to run: $*" >&2; exit 1
  fi
}

pkgs=()
command -v sqitch >/dev/null || pkgs+=(sqitch)
perl -MDBD::Pg -e 1 2>/dev/null || pkgs+=(libdbd-pg-perl)
command -v npm >/dev/null || pkgs+=(npm)
if [ ${#pkgs[@]} -gt 0 ]; then
  echo "peers/setup.sh: installing ${pkgs[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
fi

# sqlx-cli builds from source (a few minutes on 2 cores).
if ! "$dir/bin/sqlx" --version 2>/dev/null | grep -q " $SQLX_VERSION\$"; then
  echo "peers/setup.sh: cargo install sqlx-cli $SQLX_VERSION (postgres only)"
  start=$(date +%s)
  cargo install --locked --quiet sqlx-cli --version "$SQLX_VERSION" \
    --no-default-features --features postgres --root "$dir/sqlx"
  ln -sf ../sqlx/bin/sqlx "$dir/bin/sqlx"
  echo "peers/setup.sh: sqlx-cli built in $(( $(date +%s) - start )) s"
fi

# dbmate's npm package pulls in the binary for this platform as an optional
# dependency; the benchmark runs that binary directly, not the node wrapper.
if ! "$dir/bin/dbmate" --version 2>/dev/null | grep -q " $DBMATE_VERSION\$"; then
  echo "peers/setup.sh: npm install dbmate@$DBMATE_VERSION"
  npm install --silent --no-audit --no-fund --prefix "$dir/dbmate" "dbmate@$DBMATE_VERSION"
  arch=$(uname -m); case $arch in x86_64) arch=x64 ;; aarch64) arch=arm64 ;; esac
  bin=$(ls "$dir"/dbmate/node_modules/@dbmate/linux-"$arch"/bin/dbmate)
  ln -sf "$(realpath --relative-to="$dir/bin" "$bin")" "$dir/bin/dbmate"
fi

"$dir/bin/sqlx" --version
"$dir/bin/dbmate" --version
sqitch --version
