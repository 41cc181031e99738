#!/usr/bin/env bash
# The Debian packages the tests need, installed when missing (as root, or with password-less
# sudo). Sourced by .ci/run and scripts/test-all.sh so that both install the same set.
#   chromium: the browser the VS Code suites run in
#   libkrb5-dev, build-essential, python3, pkg-config: code-server's native modules build from source;
#     build-essential is also the C compiler that builds the runner's native launcher
#   ripgrep: code-server's search, and its install (which would download it otherwise)
#   hyperfine: the runner's comparison with hyperfine; git: history sharing tests
#   prometheus, prometheus-pushgateway: the export tests push to and query real servers
#   valgrind: the instruction-count metric (cachegrind) and callgrind profiles
#   golang-go: Go benchmarks and their pprof profiles in the profile tests
#   strace, time: the trace tests check the sampler against strace's record and GNU time's rusage
PERF_PULSE_SYSTEM_PACKAGES=(ca-certificates git chromium libkrb5-dev ripgrep hyperfine build-essential python3 pkg-config prometheus prometheus-pushgateway valgrind golang-go strace time)

perf_pulse_missing_packages() {
  local missing=() p
  for p in "${PERF_PULSE_SYSTEM_PACKAGES[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  echo "${missing[@]:-}"
}

# Installs what is missing; returns non-zero (with the command to run) when it cannot.
perf_pulse_install_system_packages() {
  command -v dpkg >/dev/null || { echo "[packages] not a Debian-like system: install the equivalents of: ${PERF_PULSE_SYSTEM_PACKAGES[*]}"; return 0; }
  local missing
  missing=$(perf_pulse_missing_packages)
  [[ -z "${missing// /}" ]] && return 0
  local sudo=()
  if [[ $(id -u) -ne 0 ]]; then
    if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo=(sudo -n); else
      echo "[packages] missing: $missing. Install them with: sudo apt-get install -y $missing" >&2
      return 1
    fi
  fi
  echo "[packages] installing: $missing"
  local attempt
  for attempt in 1 2 3; do
    if DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get update -q; then break; fi
    [[ $attempt -eq 3 ]] && return 1
    echo "[packages] apt-get update failed; retrying in 20s"
    sleep 20
  done
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q -o DPkg::Lock::Timeout=600 --no-install-recommends $missing
}
