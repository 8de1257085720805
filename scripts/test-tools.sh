#!/usr/bin/env bash
# Installs what the tests need beyond the .NET SDK when it is missing, so no test ever skips:
#   mosquitto (+ mosquitto_passwd): the real MQTT broker of the 'mqtt' link mode tests;
#   chromium: the real (headless) browser the dashboard tests drive through Playwright;
#   azurite (npm): the real Azure Storage emulator (queues, blobs) of the fleet's training-job queue tests;
#   clang, lld, gcc-aarch64-linux-gnu and libc6-dev-arm64-cross: Native AOT's compiler, linker and arm64 C runtime,
#   with which scripts/arm64-smoke.sh publishes the agent for linux-arm64 as it ships (one native executable), and
#   llvm (llvm-objcopy, which strips that arm64 executable);
#   buildah and debootstrap: scripts/arm64-image.sh builds Dockerfile.arm64 with them (no Docker daemon needed).
# Debian/Ubuntu (apt-get, npm); as root or through sudo. Fails with a clear message otherwise.
set -euo pipefail
AZURITE_VERSION=3.37.0

as_root=()
need_root() { # $1: what to run as root, for the message
  [ "$(id -u)" -eq 0 ] && return 0
  if command -v sudo >/dev/null 2>&1; then as_root=(sudo -n); return 0; fi
  echo "error: the tests need $1 installed: run it as root" >&2
  exit 1
}

missing=()
command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ] || missing+=(mosquitto)
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v clang >/dev/null 2>&1 || missing+=(clang)
command -v ld.lld >/dev/null 2>&1 || missing+=(lld)
# llvm-objcopy: Native AOT strips the arm64 executable with it (binutils' objcopy reads only x86 files).
command -v llvm-objcopy >/dev/null 2>&1 || missing+=(llvm)
command -v aarch64-linux-gnu-gcc >/dev/null 2>&1 || missing+=(gcc-aarch64-linux-gnu)
[ -f /usr/aarch64-linux-gnu/lib/crt1.o ] || missing+=(libc6-dev-arm64-cross)
# scripts/arm64-image.sh builds Dockerfile.arm64 without a Docker daemon, from Debian base images where no registry answers.
command -v buildah >/dev/null 2>&1 || missing+=(buildah)
command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
if [ ${#missing[@]} -gt 0 ]; then
  echo "test tools: installing ${missing[*]}" >&2
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "error: the tests need ${missing[*]}; install it with your package manager (no apt-get here)" >&2
    exit 1
  fi
  need_root "'apt-get install -y ${missing[*]}'"
  export DEBIAN_FRONTEND=noninteractive
  "${as_root[@]}" apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends "${missing[@]}" >/dev/null 2>&1 \
    || { "${as_root[@]}" apt-get -o DPkg::Lock::Timeout=600 update >/dev/null && "${as_root[@]}" apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends "${missing[@]}"; }
  # The package starts a system broker on 1883; the tests start their own on free ports and do not need it.
fi

if ! command -v azurite >/dev/null 2>&1; then
  echo "test tools: installing azurite@$AZURITE_VERSION (npm, global)" >&2
  if ! command -v npm >/dev/null 2>&1; then
    echo "error: the tests need azurite (Azure Storage emulator): install Node.js and npm, then 'npm install -g azurite@$AZURITE_VERSION'" >&2
    exit 1
  fi
  need_root "'npm install -g azurite@$AZURITE_VERSION'"
  "${as_root[@]}" npm install -g --no-fund --no-audit "azurite@$AZURITE_VERSION" >&2 \
    || { echo "error: 'npm install -g azurite@$AZURITE_VERSION' failed; install it by hand (the fleet tests need it)" >&2; exit 1; }
fi
