#!/usr/bin/env bash
# Installs Debian's OpenBLAS (pthread build) for nabla's `native` backend, unless a build of it is
# already there. nabla/node loads it at run time through koffi; without it, Node falls back to WASM.
set -euo pipefail
for lib in /usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0 \
           /usr/lib/aarch64-linux-gnu/openblas-pthread/libopenblas.so.0 \
           /usr/lib/x86_64-linux-gnu/libopenblas.so.0 /usr/lib/aarch64-linux-gnu/libopenblas.so.0; do
  if [ -e "$lib" ]; then
    echo "openblas present: $lib"
    exit 0
  fi
done
if [ "$(id -u)" -ne 0 ]; then
  echo "install-openblas.sh: needs root to apt-get install libopenblas0-pthread (or run: sudo $0)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# Another apt may hold the dpkg lock for a while (CI images that update on boot): wait for it.
for attempt in 1 2 3 4 5 6 7 8 9 10; do
  if apt-get update -q && apt-get install -y -q --no-install-recommends libopenblas0-pthread; then
    echo "openblas installed"
    exit 0
  fi
  echo "install-openblas.sh: apt-get failed (attempt $attempt), retrying in 10 s" >&2
  sleep 10
done
exit 1
