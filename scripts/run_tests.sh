#!/usr/bin/env bash
# The whole test suite: set-up and build (scripts/setup.sh); the importer robustness test in a
# build with AddressSanitizer + UndefinedBehaviorSanitizer; then every unit and end-to-end test
# (CTest), whose summary closes the output. Exits non-zero if anything fails.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

# Installs the Debian packages the tests need that are missing (apt-get, as root or via sudo).
# Usage: need_packages "why" PACKAGE...
need_packages() {
  local why="$1" missing=() p
  shift
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "run_tests: installing ${missing[*]} ($why)" >&2
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# Test-only, each for what the comment says:
need_packages "the Python module's from_networkx is tested (python/tests)" python3-networkx
need_packages "every C++ file keeps the committed .clang-format style (tests/check_format.sh)" clang-format
need_packages "a real browser renders the HTML reports (tests/report_test.cpp)" chromium
# onnxruntime (npm's onnxruntime-node; its CPU library ships in the package, the install script
# only fetches GPU parts) runs exported ONNX segments against the whole model
# (tests/export_test.cpp); TensorFlow Lite's WebAssembly build likewise for .tflite (below).
# (Any Node.js on the PATH will do: a NodeSource build ships npm itself, and Debian's npm would
# conflict with it.)
if ! command -v node > /dev/null || ! command -v npm > /dev/null; then
  need_packages "Node.js runs onnxruntime and TensorFlow Lite for the segment tests" nodejs npm
fi
if [ ! -d tests/node/node_modules/onnxruntime-node ]; then
  echo "run_tests: npm install --ignore-scripts onnxruntime-node (tests/node)" >&2
  (cd tests/node && npm install --ignore-scripts --no-audit --no-fund --loglevel=error)
fi
# Test-only: TensorFlow Lite's WebAssembly build (npm's @litertjs/core, version pinned in
# tools/litert/package.json) runs exported .tflite pipelines against the whole model
# (tests/litert_test.cpp; `respect export --check` uses the same runner).
if [ ! -f tools/litert/node_modules/@litertjs/core/wasm/litert_wasm_compat_internal.js ]; then
  echo "run_tests: npm install --ignore-scripts @litertjs/core (tools/litert)" >&2
  (cd tools/litert && npm install --ignore-scripts --no-audit --no-fund --loglevel=error)
fi

echo "== importer robustness under ASan + UBSan" >&2
cmake -S . -B build-sanitize -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRESPECT_SANITIZE=ON > /dev/null
cmake --build build-sanitize -j "$(nproc)" --target importer_fuzz_test
# detect_leaks=0: libprotobuf/libonnx keep their global schema registries until exit by design.
ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-sanitize --output-on-failure -L fuzz

echo "== full test suite" >&2
ctest --test-dir build --output-on-failure -j "$(nproc)"
