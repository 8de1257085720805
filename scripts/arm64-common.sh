# Shared by scripts/arm64-smoke.sh and scripts/arm64-image.sh (sourced, after they set $script_name, $repo, $cache
# and $logs): one-line steps and failures, an ELF file's machine, the tests' tiny signed package, and the check of
# an arm64 self-test.

start=$EPOCHREALTIME
step_start=$start
say() { echo "$script_name: $*"; }
fail() { say "FAIL: $*"; exit 1; }
trap 'say "FAIL: unexpected error at line $LINENO (exit $?); logs in $logs"' ERR
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }
step() { say "$(printf '%-9s' "$1") $2 ($(since "$step_start") s)"; step_start=$EPOCHREALTIME; }
elf_machine() { od -An -tu2 -j18 -N2 "$1" | tr -d ' '; } # an ELF file's e_machine: 183 is AArch64

# test_package DIR: scripts/test-package (the tests' TestPackages: random weights, nfc 8, signed with a fresh key, no
# training) into DIR; sets $package, $public_key and $x64_mean (the mean of the image x64 generates from it).
test_package() {
  # Built for this machine's RID only: otherwise ONNX Runtime and SkiaSharp bring every platform's natives (0.7 GB).
  local host_rid out log="$logs/$script_name-test-package.log"
  host_rid="linux-$(uname -m | sed 's/x86_64/x64/; s/aarch64/arm64/')"
  dotnet build "$repo/scripts/test-package" -c Release -r "$host_rid" --no-self-contained --artifacts-path "$cache/build" > "$log" 2>&1 \
    || fail "building scripts/test-package failed (see $log)"
  out="$(dotnet "$cache/build/bin/SetGan.TestPackage/release_$host_rid/setgan-test-package.dll" "$1" 2>> "$log")" \
    || fail "setgan-test-package failed (see $log)"
  package="$(sed -n 's/^package=//p' <<<"$out")"
  public_key="$(sed -n 's/^public_key=//p' <<<"$out")"
  x64_mean="$(sed -n 's/^mean=//p' <<<"$out")"
}

# check_self_test FILE RC: the self-test's output and exit code; every part must be ok, and the image it made must be
# the x64 one ($x64_mean). Sets $arm_mean and $image_ms.
check_self_test() {
  local file=$1 rc=$2 package_line
  cp "$file" "$logs/$script_name-self-test.txt"
  sed 's/^/    /' "$file"
  [ "$rc" -eq 0 ] || fail "setgan-agent --self-test exited $rc on linux-arm64 (output above, and in $logs/$script_name-self-test.txt)"
  for part in profile sensor runtime package; do
    grep -q "^  ok    $part " "$file" || fail "the self-test did not report '$part' ok"
  done
  package_line="$(grep '^  ok    package ' "$file")"
  arm_mean="$(sed -n 's/.*mean \([0-9.]*\)).*/\1/p' <<<"$package_line")"
  image_ms="$(sed -n 's/.* in \([0-9]*\) ms$/\1/p' <<<"$package_line")"
  [ -n "$arm_mean" ] || fail "the self-test generated no image (no 'mean' in: $package_line)"
  # ORT's arm64 and x64 kernels differ in the last bits of float sums; a wrong runtime differs in the first digits.
  awk -v a="$arm_mean" -v b="$x64_mean" 'BEGIN { d = a - b; exit !(d < 0.002 && d > -0.002) }' \
    || fail "the arm64 image (mean $arm_mean) differs from the x64 one (mean $x64_mean)"
}
