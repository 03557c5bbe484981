#!/usr/bin/env bash
# `npm test` runs against real tools: the git CLI (checks, `git http-backend` as the replicas' remote),
# redis-server (the replicas' event bus), etcd (etcd-server: the etcd delivery target), chromium (the web console's browser tests), zsh (the CLI's zsh completion), openssl (TLS certificates) and age (decrypts a stored secret value). On a fresh Debian machine
# they are installed here (as root); elsewhere this says what to install.
set -euo pipefail
missing=()
command -v git >/dev/null 2>&1 || missing+=(git)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v etcd >/dev/null 2>&1 || missing+=(etcd-server)
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v zsh >/dev/null 2>&1 || missing+=(zsh)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
command -v age >/dev/null 2>&1 || missing+=(age)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing ${missing[*]} for the tests" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
else
  echo "the tests need: ${missing[*]} (Debian: sudo apt-get install ${missing[*]})" >&2
  exit 1
fi
