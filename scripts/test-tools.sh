#!/usr/bin/env bash
# Installs what the tests need beyond the .NET SDK when it is missing, so no test ever skips:
#   mosquitto (+ mosquitto_passwd): the real MQTT broker of the 'mqtt' link mode tests;
#   chromium: the real (headless) browser the dashboard tests drive through Playwright.
# Debian/Ubuntu (apt-get); as root or through sudo. Fails with a clear message otherwise.
set -euo pipefail
missing=()
command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ] || missing+=(mosquitto)
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ ${#missing[@]} -eq 0 ] && exit 0
echo "test tools: installing ${missing[*]}" >&2
if ! command -v apt-get >/dev/null 2>&1; then
  echo "error: the tests need ${missing[*]}; install it with your package manager (no apt-get here)" >&2
  exit 1
fi
as_root=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then as_root=(sudo -n); else
    echo "error: the tests need ${missing[*]}: run 'apt-get install -y ${missing[*]}' as root" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends "${missing[@]}" >/dev/null 2>&1 \
  || { "${as_root[@]}" apt-get -o DPkg::Lock::Timeout=600 update >/dev/null && "${as_root[@]}" apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends "${missing[@]}"; }
# The package starts a system broker on 1883; the tests start their own on free ports and do not need it.
