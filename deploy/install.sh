#!/usr/bin/env bash
# Installs the SetGan edge agent on a board without containers (Raspberry Pi OS, Jetson Linux): the published agent
# in /opt/setgan-agent, the 'setgan' system user, /etc/setgan-agent.env (mode 600: it holds the device or group key)
# and the systemd unit beside this script, enabled and started. Re-running it installs the same again (an update:
# a new agent, new settings). --root DIR writes the same files under DIR (image building, tests) and runs no
# useradd or systemctl. Publish the agent first:
#   dotnet publish agent -c Release -r linux-arm64 --self-contained -o out/agent   (as scripts/arm64-smoke.sh does)
#   tar -czf setgan-agent-linux-arm64.tar.gz -C out/agent .
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
unit_source="$here/setgan-agent.service"
prefix=/opt/setgan-agent
env_file=/etc/setgan-agent.env
key_folder=/etc/setgan
unit_path=/etc/systemd/system/setgan-agent.service
wants_link=/etc/systemd/system/multi-user.target.wants/setgan-agent.service

usage() {
  cat <<'EOF'
usage: install.sh --agent DIR|TARBALL --profile NAME [--device ID] [--sensor profile|emulated-ina219|estimate]
                  [--link local|azure|mqtt --connection-string CS --public-key FILE] [--root DIR]
       install.sh --uninstall [--purge] [--root DIR]

  --agent              the published agent: a folder or a .tar.gz of one (dotnet publish agent -r linux-arm64 --self-contained)
  --profile            the board's device profile (raspberry-pi-4, jetson-orin-nano, ...) or a .json path on the board
  --device             the board's device id; may be left out when the connection string has DeviceId=
  --sensor             profile (the profile's own sensor, default), emulated-ina219 or estimate
  --link               local (the embedded hub of `setgan hub`), azure (Azure IoT Hub) or mqtt (a broker); default
                       local when a connection string is given, else none (images and power wait in the outbox)
  --connection-string  as `setgan devices add` or `setgan fleet enroll` prints it (a group's GroupKey works too)
  --public-key FILE    the package-signing public key, copied to /etc/setgan/setgan-signing.pub (needed with a link)
  --root DIR           install under DIR instead of /: files only, no useradd, no systemctl
  --uninstall          stop and remove the agent and its unit; keeps /etc/setgan-agent.env, the key and the data
  --purge              with --uninstall: remove those too (the outbox in /var/lib/setgan-agent included)
EOF
}

fail() { echo "install.sh: error: $*" >&2; exit 2; }
say() { echo "install.sh: $*"; }

agent="" profile="" device="" sensor="profile" link="" connection="" public_key="" root="" uninstall=0 purge=0
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --uninstall) uninstall=1; shift; continue ;;
    --purge) purge=1; shift; continue ;;
    --agent|--profile|--device|--sensor|--link|--connection-string|--public-key|--root)
      [ $# -ge 2 ] && [ -n "$2" ] && [ "${2#--}" = "$2" ] || fail "$1 needs a value"
      case "$1" in
        --agent) agent="$2" ;; --profile) profile="$2" ;; --device) device="$2" ;; --sensor) sensor="$2" ;;
        --link) link="$2" ;; --connection-string) connection="$2" ;; --public-key) public_key="$2" ;; --root) root="$2" ;;
      esac
      shift 2 ;;
    *) fail "unknown argument '$1' (--help lists them)" ;;
  esac
done

if [ -n "$root" ]; then
  mkdir -p "$root" || fail "cannot create --root $root"
  root="$(cd "$root" && pwd)"
  [ "$root" != / ] || root=""
fi
live() { [ -z "$root" ]; } # installing into the running system: users and systemd are real
[ -z "$root" ] && [ "$(id -u)" != 0 ] && fail "run as root (sudo), or give --root DIR to write the files under DIR"

if [ "$uninstall" = 1 ]; then
  if live && command -v systemctl > /dev/null; then systemctl disable --now setgan-agent.service 2> /dev/null || true; fi
  rm -rf "$root$wants_link" "$root$unit_path" "$root$unit_path.d"
  rm -rf "$root$prefix"
  if [ "$purge" = 1 ]; then
    rm -rf "$root$env_file" "$root$key_folder" "$root/var/lib/setgan-agent"
    say "removed the agent, its unit, settings, key and data"
  else
    say "removed the agent and its unit; kept $env_file, $key_folder and /var/lib/setgan-agent (--purge removes them)"
  fi
  if live && command -v systemctl > /dev/null; then systemctl daemon-reload; fi
  exit 0
fi

# --- check every argument before anything is written ----------------------------------------------------------------
[ -n "$agent" ] || fail "--agent DIR|TARBALL is required: the published agent (dotnet publish agent -c Release -r linux-arm64 --self-contained)"
[ -e "$agent" ] || fail "--agent $agent does not exist"
[ -n "$profile" ] || fail "--profile is required: the board's device profile (raspberry-pi-4, jetson-orin-nano, ...)"
case "$sensor" in profile|emulated-ina219|estimate) ;; *) fail "--sensor '$sensor' is not one of profile, emulated-ina219, estimate" ;; esac
if [ -n "$connection" ] && [ -z "$link" ]; then link=local; fi
case "${link:-none}" in
  none) [ -z "$connection" ] || fail "--link none takes no --connection-string" ;;
  local|azure|mqtt) [ -n "$connection" ] || fail "--link $link needs --connection-string" ;;
  *) fail "--link '$link' is not one of local, azure, mqtt" ;;
esac
if [ -z "$device" ]; then
  IFS=';' read -r -a parts <<<"$connection"
  for part in "${parts[@]}"; do
    case "${part,,}" in deviceid=*) device="${part#*=}" ;; esac
  done
  [ -n "$device" ] || fail "--device ID is required: the board's own id (a connection string with DeviceId= gives it too)"
fi
[[ "$device" =~ ^[A-Za-z0-9._:-]{1,128}$ ]] || fail "--device '$device' may hold only letters, digits and . _ : - (at most 128), as IoT Hub device ids do"
if [ -n "$link" ] && [ "$link" != none ]; then
  [ -n "$public_key" ] || fail "--public-key FILE is required with a link: packages the cloud delivers are verified with it"
fi
[ -z "$public_key" ] || [ -f "$public_key" ] || fail "--public-key $public_key is not a file"
for value in "$profile" "$device" "$connection"; do
  # One line each in the environment file: systemd would read quotes and backslashes as syntax.
  case "$value" in *$'\n'*|*'"'*|*"'"*|*'\'*) fail "a value holds a newline, quote or backslash: '$value'" ;; esac
done

# --- the agent ------------------------------------------------------------------------------------------------------
work="$(mktemp -d "${TMPDIR:-/tmp}/setgan-install.XXXXXX")"
trap 'rm -rf "$work"' EXIT
if [ -d "$agent" ]; then
  mkdir -p "$work/agent" && cp -a "$agent/." "$work/agent/"
else
  mkdir -p "$work/unpacked"
  tar -xzf "$agent" -C "$work/unpacked" || fail "--agent $agent is neither a folder nor a .tar.gz"
  # A tarball of the folder itself (tar -C out/agent .) or of one folder holding it.
  found="$(find "$work/unpacked" -maxdepth 2 -type f -name setgan-agent -printf '%h\n' | head -1)"
  [ -n "$found" ] && mv "$found" "$work/agent"
fi
[ -f "$work/agent/setgan-agent" ] || fail "$agent holds no setgan-agent program (is it the publish output folder?)"
chmod 755 "$work/agent/setgan-agent"
mkdir -p "$root$(dirname "$prefix")"
# Swap the whole folder: no file of an older agent is left beside the new one.
rm -rf "$root$prefix.new" && mv "$work/agent" "$root$prefix.new"
rm -rf "$root$prefix.old" && { [ ! -e "$root$prefix" ] || mv "$root$prefix" "$root$prefix.old"; }
mv "$root$prefix.new" "$root$prefix" && rm -rf "$root$prefix.old"
if live; then chown -R root:root "$prefix"; fi
say "agent installed in $root$prefix"

# --- the user -------------------------------------------------------------------------------------------------------
if live; then
  if ! getent passwd setgan > /dev/null; then
    useradd --system --no-create-home --home-dir /var/lib/setgan-agent --shell /usr/sbin/nologin setgan
    say "created the system user setgan"
  fi
  if getent group i2c > /dev/null; then usermod -aG i2c setgan; fi
fi

# --- settings -------------------------------------------------------------------------------------------------------
mkdir -p "$root/etc"
if [ -n "$public_key" ]; then
  mkdir -p "$root$key_folder"
  install -m 644 "$public_key" "$root$key_folder/setgan-signing.pub"
fi
(
  umask 077
  {
    echo "# Written by deploy/install.sh; read by systemd for setgan-agent.service. Mode 600: it may hold a device or group key."
    echo "SETGAN_Agent__Device=$device"
    echo "SETGAN_Agent__Profile=$profile"
    echo "SETGAN_Agent__Sensor=$sensor"
    echo "SETGAN_Agent__Link__Mode=${link:-none}"
    [ -z "$connection" ] || echo "SETGAN_Agent__Link__ConnectionString=$connection"
    [ -z "$public_key" ] || echo "SETGAN_Agent__PublicKey=$key_folder/setgan-signing.pub"
  } > "$root$env_file.new"
)
chmod 600 "$root$env_file.new" && mv "$root$env_file.new" "$root$env_file"
say "settings in $root$env_file (mode 600)"

# --- the unit -------------------------------------------------------------------------------------------------------
[ -f "$unit_source" ] || fail "$unit_source is missing (keep install.sh beside setgan-agent.service)"
mkdir -p "$root$(dirname "$unit_path")"
install -m 644 "$unit_source" "$root$unit_path"
if live && ! getent group i2c > /dev/null; then
  # The unit asks for the i2c group (INA219 on /dev/i2c-N); a board without one would refuse to start it.
  mkdir -p "$unit_path.d"
  printf '[Service]\n# Written by install.sh: this board has no i2c group.\nSupplementaryGroups=\n' > "$unit_path.d/no-i2c.conf"
fi
if live; then
  systemctl daemon-reload
  systemctl enable setgan-agent.service
  systemctl restart setgan-agent.service # a re-run is an update: the new agent and settings take effect
  say "setgan-agent enabled and started (journalctl -u setgan-agent -f)"
else
  # What `systemctl enable` makes: the unit wanted by multi-user.target, so a board from this image starts it at boot.
  mkdir -p "$root$(dirname "$wants_link")"
  ln -sfn "$unit_path" "$root$wants_link"
  say "unit installed and enabled under $root (no user created, no systemctl run)"
fi
