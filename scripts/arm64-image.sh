#!/usr/bin/env bash
# Builds Dockerfile.arm64 as it is, with buildah (no Docker daemon needed), then runs the image's own agent, as the
# image's non-root user on the image's own arm64 userland, through qemu user-mode: its --self-test on the tests' tiny
# signed package must pass and generate the same image as x64. Prints one line "arm64-image: PASS ..." or
# "arm64-image: FAIL ...".
#
# Base images: the real ones (mcr.microsoft.com/dotnet/sdk:10.0 and runtime-deps:10.0-trixie-slim-arm64v8) when the
# registry answers. Where it does not (this project's machines reach no container registry), STAND-INS built here
# with the same roles, and the PASS line says so:
#   - sdk: Debian 13 (debootstrap, minbase, with ICU and OpenSSL) with this machine's .NET SDK, NuGet configuration and CA certificates;
#   - runtime-deps: Debian 13 arm64 (debootstrap, first stage only: unpacked, nothing run) with libc6, libstdc++6,
#     libgcc-s1, libssl3t64, ca-certificates, tzdata, zlib1g, and the user app (uid 1654) as Microsoft's images have.
# The Dockerfile takes them through its SDK_IMAGE and RUNTIME_DEPS_IMAGE build arguments; nothing else changes.
#
# Needs root (buildah's storage), buildah and debootstrap (scripts/test-tools.sh installs them), and qemu-aarch64 8
# or later (scripts/arm64-smoke.sh --qemu-only fetches it). buildah's storage lives in $SETGAN_CACHE/image, never in
# the host's /var/lib/containers. RUN steps use chroot isolation: no OCI runtime is needed.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${SETGAN_CACHE:-$HOME/.cache/setgan}"
mkdir -p "$cache/logs" "$cache/image"
cache="$(cd "$cache" && pwd)"
logs="$cache/logs"
exec 9> "$cache/arm64-image.lock"
flock 9

script_name=arm64-image
source "$repo/scripts/arm64-common.sh"

[ "$(id -u)" = 0 ] || fail "buildah's image storage needs root: run as root (CI does), or build with Docker: docker buildx build --platform linux/arm64 -f Dockerfile.arm64 ."
for tool in buildah debootstrap; do
  command -v "$tool" >/dev/null 2>&1 || fail "no $tool (scripts/test-tools.sh installs it)"
done
b=(buildah --root "$cache/image/storage" --runroot "$cache/image/run" --storage-driver vfs)

qemu="$(bash "$repo/scripts/arm64-smoke.sh" --qemu-only 2> "$logs/image-qemu.log" | sed -n 's/^qemu=//p')"
[ -x "$qemu" ] || fail "no qemu-aarch64 from scripts/arm64-smoke.sh --qemu-only (see $logs/image-qemu.log)"
step qemu "$qemu"

# --- 1. base images ---------------------------------------------------------------------------------------------------
sdk_image=mcr.microsoft.com/dotnet/sdk:10.0
deps_image=mcr.microsoft.com/dotnet/runtime-deps:10.0-trixie-slim-arm64v8
mirror=http://deb.debian.org/debian
if "${b[@]}" pull -q "$sdk_image" > "$logs/image-pull.log" 2>&1 && "${b[@]}" pull -q --arch arm64 "$deps_image" >> "$logs/image-pull.log" 2>&1; then
  bases="Microsoft's base images"
else
  bases="STAND-IN base images (mcr.microsoft.com unreachable: $(grep -m1 -o 'dial tcp.*\|no such host\|timeout.*' "$logs/image-pull.log" || echo "see $logs/image-pull.log"))"
  dotnet_dir="$(dirname "$(readlink -f "$(command -v dotnet)")")"
  sdk_packages=ca-certificates,libicu76,libssl3t64,zlib1g # what the SDK itself loads (ICU for globalization)
  sdk_stamp="$(ls "$dotnet_dir/sdk" | tr '\n' ' ')$sdk_packages"
  sdk_image=localhost/setgan-standin/dotnet-sdk:10.0
  deps_image=localhost/setgan-standin/dotnet-runtime-deps:10.0-trixie-slim-arm64v8
  # Made once per host SDK and kept in the cache's storage.
  if [ "$(cat "$cache/image/sdk.stamp" 2>/dev/null)" != "$sdk_stamp" ]; then
    root="$cache/image/sdk-root"; rm -rf "$root"
    debootstrap --variant=minbase --include="$sdk_packages" trixie "$root" "$mirror" > "$logs/image-sdk-debootstrap.log" 2>&1 \
      || fail "debootstrap trixie (amd64) from $mirror failed (see $logs/image-sdk-debootstrap.log)"
    mkdir -p "$root/usr/share" "$root/root/.nuget/NuGet"
    cp -a "$dotnet_dir" "$root/usr/share/dotnet"
    ln -sf /usr/share/dotnet/dotnet "$root/usr/bin/dotnet"
    # What this machine needs to reach its package registries: its NuGet sources and the CAs it trusts (a proxy's).
    [ -f "$HOME/.nuget/NuGet/NuGet.Config" ] && cp "$HOME/.nuget/NuGet/NuGet.Config" "$root/root/.nuget/NuGet/"
    cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
    c=$("${b[@]}" from scratch); m=$("${b[@]}" mount "$c"); cp -a "$root/." "$m/"
    "${b[@]}" config --arch amd64 --os linux --env DOTNET_ROOT=/usr/share/dotnet --env DOTNET_NOLOGO=1 --env DOTNET_CLI_TELEMETRY_OPTOUT=1 \
      --env NUGET_CERT_REVOCATION_MODE="${NUGET_CERT_REVOCATION_MODE:-online}" "$c"
    "${b[@]}" commit -q --rm "$c" "$sdk_image" > /dev/null
    rm -rf "$root"
    echo "$sdk_stamp" > "$cache/image/sdk.stamp"
  fi
  if ! "${b[@]}" inspect "$deps_image" > /dev/null 2>&1; then
    root="$cache/image/deps-root"; rm -rf "$root"
    debootstrap --foreign --arch arm64 --variant=minbase --include=ca-certificates,libssl3t64,libstdc++6,libgcc-s1,tzdata,zlib1g \
      trixie "$root" "$mirror" > "$logs/image-deps-debootstrap.log" 2>&1 \
      || fail "debootstrap trixie (arm64, first stage) from $mirror failed (see $logs/image-deps-debootstrap.log)"
    rm -rf "$root/debootstrap" "$root"/var/cache/apt/archives/*.deb
    printf 'root:x:0:0:root:/root:/bin/sh\napp:x:1654:1654::/home/app:/bin/sh\n' > "$root/etc/passwd"
    printf 'root:x:0:\napp:x:1654:\n' > "$root/etc/group"
    mkdir -p "$root/home/app" && chown 1654:1654 "$root/home/app"
    c=$("${b[@]}" from scratch); m=$("${b[@]}" mount "$c"); cp -a "$root/." "$m/"
    "${b[@]}" config --arch arm64 --os linux --env APP_UID=1654 --env DOTNET_RUNNING_IN_CONTAINER=true "$c"
    "${b[@]}" commit -q --rm "$c" "$deps_image" > /dev/null
    rm -rf "$root"
  fi
fi
step bases "$bases"

# --- 2. the image -----------------------------------------------------------------------------------------------------
image=localhost/setgan-agent:arm64-check
"${b[@]}" rmi --prune > /dev/null 2>&1 || true # a replaced stand-in or a failed run's image: vfs keeps whole copies
"${b[@]}" bud --isolation chroot --pull-never --format docker -f "$repo/Dockerfile.arm64" \
  --build-arg SDK_IMAGE="$sdk_image" --build-arg RUNTIME_DEPS_IMAGE="$deps_image" -t "$image" "$repo" > "$logs/image-build.log" 2>&1 \
  || fail "building Dockerfile.arm64 failed: $(grep -m1 -E 'error|Error' "$logs/image-build.log" || tail -1 "$logs/image-build.log") (see $logs/image-build.log)"
config="$("${b[@]}" inspect --format '{{.OCIv1.Architecture}} {{.OCIv1.Config.User}} {{.OCIv1.Config.Entrypoint}}' "$image")"
[ "$config" = "arm64 1654 [setgan-agent]" ] || fail "the image is '$config', not 'arm64 1654 [setgan-agent]' (architecture, user, entrypoint)"
"${b[@]}" inspect --format '{{.Docker.Config.Healthcheck.Test}}' "$image" | grep -q agent- || fail "the image has no HEALTHCHECK"
step build "Dockerfile.arm64 -> $image ($config)"

# --- 3. the image's agent, as the image's user, on the image's userland ---------------------------------------------------
work="$(mktemp -d "${TMPDIR:-/tmp}/setgan-arm64-image.XXXXXX")"
c=$("${b[@]}" from --arch arm64 "$image")
# Only the stand-in base images stay in the cache (about 1.1 GB).
trap '"${b[@]}" rm "$c" > /dev/null 2>&1 || true; "${b[@]}" rmi "$image" > /dev/null 2>&1 || true; rm -rf "$work"' EXIT
# A copy outside buildah's root-only storage, so that uid 1654 can reach it.
cp -a "$("${b[@]}" mount "$c")" "$work/root" && chmod 755 "$work" "$work/root"
r="$work/root"
for lib in setgan-agent libonnxruntime.so; do
  [ "$(elf_machine "$r/opt/setgan-agent/$lib")" = 183 ] || fail "/opt/setgan-agent/$lib in the image is not an AArch64 ELF file"
done
leftovers="$(cd "$r/opt/setgan-agent" && find . \( -name '*.dbg' -o -name '*.pdb' -o -name '*.dll' -o -name 'libcoreclr.so' \) | tr '\n' ' ')"
[ -z "$leftovers" ] || fail "the image ships debug symbols, IL or a JIT runtime: $leftovers"
[ "$(stat -c %u "$r/var/lib/setgan-agent")" = 1654 ] || fail "/var/lib/setgan-agent does not belong to uid 1654"

mkdir -p "$r/tmp/check"
test_package "$r/tmp/check/signed"
chown -R 1654:1654 "$r/tmp/check"
cp "$qemu" "$work/qemu-aarch64" && chmod 755 "$work/qemu-aarch64"
# The image's environment and user; qemu -L resolves absolute paths (the loader, libraries, /var/lib/setgan-agent,
# the package) inside the image's root first.
set +e
timeout 600 setpriv --reuid 1654 --regid 1654 --clear-groups env -i HOME=/home/app PATH=/opt/setgan-agent:/usr/bin:/bin \
  SETGAN_Agent__DataDir=/var/lib/setgan-agent "$work/qemu-aarch64" -L "$r" "$r/opt/setgan-agent/setgan-agent" \
  --self-test --device image-1 --profile raspberry-pi-4 --sensor emulated-ina219 \
  --package /tmp/check/signed/package --public-key /tmp/check/signed/keys/setgan-signing.pub > "$work/self-test.txt" 2>&1
rc=$?
set -e
step self-test "exit $rc, as uid 1654"
check_self_test "$work/self-test.txt" "$rc"
say "PASS: Dockerfile.arm64 built with buildah from $bases; its agent passed --self-test as uid 1654 on the image's arm64 userland under qemu (mean $arm_mean = x64 $x64_mean); total $(since "$start") s"
