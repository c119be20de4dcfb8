#!/usr/bin/env bash
# System packages some tests need, from Debian: tmux (the progress view on a real pseudo-terminal),
# docker-compose (validating docker-compose.yml with `docker-compose config`; Docker itself is not
# needed for that), chromium (the HTML report rendered in a real browser, driven by playwright-core,
# which downloads no browser of its own) and openssl (the sandbox's TLS certificates). Installs only
# what is missing.
set -euo pipefail

missing=()
command -v tmux >/dev/null || missing+=(tmux)
command -v docker-compose >/dev/null || missing+=(docker-compose)
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v openssl >/dev/null || missing+=(openssl)
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi

if [ "$(id -u)" -ne 0 ]; then
  echo "setup-system: need root to install: ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
