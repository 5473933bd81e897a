#!/usr/bin/env bash
# Installs the system packages the build and the tests need, when missing:
# the -dev packages of libcurl (OpenSSL flavour), OpenSSL and SQLite, plus the
# openssl and kubectl command-line tools the tests run. Needs root for apt-get.
set -euo pipefail

packages=(libcurl4-openssl-dev libssl-dev libsqlite3-dev openssl)
[ "${1:-}" = "--with-kubectl" ] && want_kubectl=1 || want_kubectl=0

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "$want_kubectl" = 1 ] && ! command -v kubectl >/dev/null 2>&1; then
  missing+=(kubectl)
fi
[ ${#missing[@]} -eq 0 ] && exit 0

echo "Installing missing system packages: ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
    echo "error: these packages are missing and installing them needs root: ${missing[*]}" >&2
    echo "       run as root, or install them with: apt-get install ${missing[*]}" >&2
    exit 1
  fi
else
  SUDO=""
fi
$SUDO apt-get update -qq
if ! DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"; then
  echo "error: could not install: ${missing[*]} (is the package source for kubectl configured?)" >&2
  exit 1
fi
