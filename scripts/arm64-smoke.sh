#!/usr/bin/env bash
# arm64 smoke test: publishes the agent for linux-arm64 (one Native AOT executable, as it ships), runs its --self-test under
# qemu user-mode on the tests' tiny signed package and the emulated INA219, and checks that ONNX Runtime on arm64
# generated the same image as on this machine. Prints one line "arm64-smoke: PASS ..." or "arm64-smoke: FAIL ...".
#
# Downloads (qemu 10 from bookworm-backports, an arm64 sysroot) are cached under $SETGAN_CACHE (default
# ~/.cache/setgan) by private apt configurations: the host's dpkg state and apt lists are never touched and nothing
# is installed. Re-running reuses the cache; the agent is published afresh each run. Where bookworm-backports cannot
# be reached it falls back to the host's qemu-aarch64; a qemu older than 8 (Debian 12's 7.2) then runs with a fake
# ARM /proc/cpuinfo bind-mounted in a private mount namespace, or the script fails saying why.
#
# Options: --qemu-only prints the qemu-aarch64 it would run (fetching it if needed) and stops.
# Environment: SETGAN_CACHE; SETGAN_DEBIAN_MIRROR / SETGAN_DEBIAN_SECURITY_MIRROR (default: the host's own apt
# mirrors); SETGAN_QEMU_AARCH64 (use this qemu-aarch64 instead of downloading one).
# Needs on the host: Native AOT's cross toolchain, clang, lld, gcc-aarch64-linux-gnu and libc6-dev-arm64-cross
# (scripts/test-tools.sh installs them).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${SETGAN_CACHE:-$HOME/.cache/setgan}"
mkdir -p "$cache/logs"
cache="$(cd "$cache" && pwd)"
logs="$cache/logs"
# One run at a time per cache: a second one (CI beside the test suite) waits instead of publishing over the first.
exec 9> "$cache/arm64-smoke.lock"
flock 9
suite=bookworm
# The sysroot holds what the published agent loads: the loader and libc, libstdc++ and libgcc_s (coreclr, ORT), and
# libssl3 (package signatures are ECDSA through OpenSSL). No ICU: the agent is built with InvariantGlobalization.
sysroot_packages=(libc6 libgcc-s1 libstdc++6 libssl3)

script_name=arm64-smoke
source "$repo/scripts/arm64-common.sh"

# --- private apt ---------------------------------------------------------------------------------------------------
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
# The first http(s) URI in the host's apt sources that ends in $1 (/debian, /debian-security), so a machine behind a
# local mirror keeps using it.
host_uri() {
  cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null \
    | grep -v '^[[:space:]]*#' | grep -oE "https?://[^[:space:]]*$1/?([[:space:]]|\$)" | head -1 | tr -d '[:space:]' | sed 's:/$::' || true
}
mirror="${SETGAN_DEBIAN_MIRROR:-$(host_uri /debian)}"; mirror="${mirror:-http://deb.debian.org/debian}"
security="${SETGAN_DEBIAN_SECURITY_MIRROR:-$(host_uri /debian-security)}"; security="${security:-http://deb.debian.org/debian-security}"

# private_apt DIR ARCH SOURCE-LINE...: an apt configuration whose lists, status, cache and sources all live in DIR.
private_apt() {
  local dir=$1 arch=$2; shift 2
  mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial" "$dir/empty" "$dir/debs"
  : > "$dir/status" # an empty dpkg status: this apt believes nothing is installed and installs nothing
  printf '%s\n' "$@" > "$dir/sources.list"
  {
    echo "Dir::State::Lists \"$dir/lists\";"
    echo "Dir::State::status \"$dir/status\";"
    echo "Dir::Cache \"$dir/cache\";"
    echo "Dir::Etc::SourceList \"$dir/sources.list\";"
    echo "Dir::Etc::SourceParts \"$dir/empty\";"
    echo "Dir::Etc::Parts \"$dir/empty\";"
    echo "Dir::Etc::PreferencesParts \"$dir/empty\";"
    echo "APT::Architecture \"$arch\";"
    echo "APT::Architectures { \"$arch\"; };"
    echo "APT::Sandbox::User \"$(id -un)\";"
    echo "Acquire::Languages \"none\";"
    # What the host needs to reach its mirror (a proxy, a snapshot mirror's old Valid-Until) carries over.
    apt-config dump 2>/dev/null | grep -E '^Acquire::(https?::Proxy|Check-Valid-Until|Check-Date) ' || true
  } > "$dir/apt.conf"
}
apt_in() { local dir=$1; shift; APT_CONFIG="$dir/apt.conf" apt-get -q "$@"; }
[ -r "$keyring" ] || fail "$keyring is missing (apt-get install debian-archive-keyring)"

# --- 1. qemu-aarch64 >= 8 --------------------------------------------------------------------------------------------
# Debian 12's qemu-user-static 7.2 segfaults at ONNX Runtime's first call: ORT's cpuinfo reads the host's x86
# /proc/cpuinfo, which 7.2 does not fake for aarch64. qemu 10 from bookworm-backports does; its binaries are static.
qemu_version() { "$1" --version 2>/dev/null | sed -n 's/^qemu-aarch64 version \([0-9][0-9.]*\).*/\1/p' | head -1; }
runner=()
qemu_note=""
if [ "$(uname -m)" = aarch64 ]; then
  qemu_note="native aarch64, no qemu"
else
  qemu="${SETGAN_QEMU_AARCH64:-$cache/qemu/bin/qemu-aarch64}"
  if [ -z "${SETGAN_QEMU_AARCH64:-}" ] && [ ! -x "$qemu" ]; then
    q="$cache/qemu/apt"
    private_apt "$q" amd64 "deb [signed-by=$keyring] $mirror $suite-backports main"
    rm -f "$q"/debs/*.deb
    if apt_in "$q" update > "$logs/qemu-apt.log" 2>&1 && (cd "$q/debs" && apt_in "$q" download qemu-user >> "$logs/qemu-apt.log" 2>&1); then
      # Only the one binary out of the 63 MB package (372 MB unpacked): dpkg -x of a single member.
      mkdir -p "$cache/qemu/bin"
      dpkg-deb --fsys-tarfile "$q"/debs/qemu-user_*.deb | tar -xO ./usr/bin/qemu-aarch64 > "$qemu.partial"
      chmod +x "$qemu.partial" && mv "$qemu.partial" "$qemu"
      rm -rf "$q" # only the binary is kept
    else
      say "$suite-backports at $mirror is not reachable (see $logs/qemu-apt.log): falling back to the host's qemu-aarch64"
      qemu="$(command -v qemu-aarch64-static || command -v qemu-aarch64 || true)"
      [ -n "$qemu" ] || fail "no qemu-aarch64: make $mirror $suite-backports reachable, install qemu-user-static, or set SETGAN_QEMU_AARCH64"
    fi
  fi
  version="$(qemu_version "$qemu")"
  [ -n "$version" ] || fail "$qemu does not run or does not say its version"
  runner=("$qemu" -L "$cache/sysroot-arm64/root")
  qemu_note="qemu-aarch64 $version ($qemu)"
  if [ "${version%%.*}" -lt 8 ]; then
    # qemu < 8 passes the host's x86 /proc/cpuinfo through: show ORT an ARM one, bind-mounted in a private mount
    # namespace (root: unshare -m; otherwise a user namespace, unshare -rm).
    cpuinfo="$cache/qemu/fake-arm64-cpuinfo"
    mkdir -p "$cache/qemu"
    for cpu in 0 1 2 3; do
      printf 'processor\t: %s\nBogoMIPS\t: 108.00\nFeatures\t: fp asimd evtstrm crc32 cpuid\nCPU implementer\t: 0x41\nCPU architecture: 8\nCPU variant\t: 0x0\nCPU part\t: 0xd08\nCPU revision\t: 3\n\n' "$cpu"
    done > "$cpuinfo"
    if [ "$(id -u)" = 0 ]; then unshare_flags=(-m); else unshare_flags=(-r -m); fi
    unshare "${unshare_flags[@]}" -- sh -c 'mount --bind "$0" /proc/cpuinfo' "$cpuinfo" 2> "$logs/unshare.log" \
      || fail "qemu $version is older than 8 (it segfaults in ONNX Runtime) and a fake /proc/cpuinfo cannot be bind-mounted here ($(head -1 "$logs/unshare.log")); get qemu >= 8 (bookworm-backports) or set SETGAN_QEMU_AARCH64"
    runner=(unshare "${unshare_flags[@]}" -- sh -c 'mount --bind "$0" /proc/cpuinfo && exec "$@"' "$cpuinfo" "${runner[@]}")
    qemu_note="$qemu_note with a fake ARM /proc/cpuinfo"
  fi
fi
step qemu "$qemu_note"
# --qemu-only: print the qemu-aarch64 (8 or later) this script runs and stop (scripts/arm64-image.sh uses it).
if [ "${1:-}" = --qemu-only ]; then
  [ ${#runner[@]} -eq 3 ] || fail "no qemu-aarch64 8 or later to hand out ($qemu_note)"
  echo "qemu=${runner[0]}"
  exit 0
fi

# --- 2. arm64 sysroot ------------------------------------------------------------------------------------------------
s="$cache/sysroot-arm64"
if [ "$(cat "$s/root/.packages" 2>/dev/null)" != "${sysroot_packages[*]}" ]; then
  private_apt "$s/apt" arm64 \
    "deb [signed-by=$keyring] $mirror $suite main" \
    "deb [signed-by=$keyring] $mirror $suite-updates main" \
    "deb [signed-by=$keyring] $security $suite-security main"
  rm -f "$s"/apt/debs/*.deb
  apt_in "$s/apt" update > "$logs/sysroot-apt.log" 2>&1 || fail "apt-get update for arm64 $suite at $mirror failed (see $logs/sysroot-apt.log)"
  (cd "$s/apt/debs" && apt_in "$s/apt" download "${sysroot_packages[@]/%/:arm64}" >> "$logs/sysroot-apt.log" 2>&1) \
    || fail "apt-get download ${sysroot_packages[*]} (arm64) failed (see $logs/sysroot-apt.log)"
  rm -rf "$s/root.partial" "$s/root"
  for deb in "$s"/apt/debs/*.deb; do dpkg -x "$deb" "$s/root.partial"; done
  echo "${sysroot_packages[*]}" > "$s/root.partial/.packages"
  mv "$s/root.partial" "$s/root"
  rm -rf "$s/apt" # only the unpacked libraries are kept
fi
step sysroot "$suite arm64: ${sysroot_packages[*]} in $s/root"

# --- 3. publish ------------------------------------------------------------------------------------------------------
# The shipped command (Dockerfile.arm64 runs the same one). --artifacts-path keeps its obj/bin out of the repo, so a
# linux-arm64 restore never rewrites the obj/ that the x64 builds and tests use.
out="$cache/agent-arm64"
rm -rf "$out"
for tool in clang ld.lld aarch64-linux-gnu-gcc; do
  command -v "$tool" >/dev/null 2>&1 || fail "no $tool: Native AOT needs it to publish for linux-arm64 (scripts/test-tools.sh installs clang, lld, gcc-aarch64-linux-gnu, libc6-dev-arm64-cross)"
done
[ -f /usr/aarch64-linux-gnu/lib/crt1.o ] || fail "no arm64 C runtime in /usr/aarch64-linux-gnu: install libc6-dev-arm64-cross (scripts/test-tools.sh does)"
dotnet publish "$repo/agent" -c Release -r linux-arm64 --self-contained -o "$out" --artifacts-path "$cache/build" \
  > "$logs/publish.log" 2>&1 || fail "dotnet publish -r linux-arm64 failed (see $logs/publish.log)"
# ONNX Runtime's package can drop its Windows arm64 DLLs into a linux-arm64 publish: they are dead weight on a device.
removed=$(find "$out" \( -iname 'onnxruntime*.dll' -o -iname 'onnxruntime*.lib' -o -path '*/runtimes/win-*' \) -print -prune | wc -l)
find "$out" \( -iname 'onnxruntime*.dll' -o -iname 'onnxruntime*.lib' -o -path '*/runtimes/win-*' \) -prune -exec rm -rf {} +
for lib in setgan-agent libonnxruntime.so; do
  [ -f "$out/$lib" ] || fail "the publish has no $lib"
  [ "$(elf_machine "$out/$lib")" = 183 ] || fail "$out/$lib is not an AArch64 ELF file"
done
# Native AOT: the agent is machine code, with no runtime or IL beside it.
[ ! -e "$out/libcoreclr.so" ] && [ ! -e "$out/setgan-agent.dll" ] || fail "the publish holds a JIT runtime or IL: it is not Native AOT"
step publish "linux-arm64 Native AOT in $out ($(du -sh "$out" | cut -f1); $removed Windows file(s) removed)"

# --- 4. a tiny signed package ----------------------------------------------------------------------------------------
work="$(mktemp -d "${TMPDIR:-/tmp}/setgan-arm64-smoke.XXXXXX")"
trap 'rm -rf "$work"' EXIT
test_package "$work/signed"
step package "$package (x64 image mean $x64_mean)"

# --- 5. the self-test on arm64 -----------------------------------------------------------------------------------------
mkdir -p "$work/data"
set +e
timeout 600 "${runner[@]}" "$out/setgan-agent" --self-test --device smoke-1 --profile raspberry-pi-4 --sensor emulated-ina219 \
  --package "$package" --public-key "$public_key" --data "$work/data" > "$work/self-test.txt" 2>&1
rc=$?
set -e
self_test_s="$(since "$step_start")"
step self-test "exit $rc"
check_self_test "$work/self-test.txt" "$rc"
say "PASS: setgan-agent linux-arm64 self-test under $qemu_note in $self_test_s s (one image in $image_ms ms, mean $arm_mean = x64 $x64_mean); total $(since "$start") s"
