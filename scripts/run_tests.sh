#!/usr/bin/env bash
# The whole test suite: set-up and build (scripts/setup.sh); the importer robustness test in a
# build with AddressSanitizer + UndefinedBehaviorSanitizer; then every unit and end-to-end test
# (CTest), whose summary closes the output. Exits non-zero if anything fails.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

# Test-only: networkx, so the Python module's from_networkx is tested (python/tests).
if ! dpkg-query -W -f='${Status}' python3-networkx 2>/dev/null | grep -q "install ok installed"; then
  echo "run_tests: installing python3-networkx (Python module tests)" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends python3-networkx
fi

# Test-only: clang-format checks that every C++ file keeps the committed .clang-format style.
if ! dpkg-query -W -f='${Status}' clang-format 2>/dev/null | grep -q "install ok installed"; then
  echo "run_tests: installing clang-format (style check)" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends clang-format
fi

# Test-only: a real browser renders the HTML reports (tests/report_test.cpp).
if ! dpkg-query -W -f='${Status}' chromium 2>/dev/null | grep -q "install ok installed"; then
  echo "run_tests: installing chromium (headless rendering of the HTML reports)" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends chromium
fi

# Test-only: onnxruntime (npm's onnxruntime-node; its CPU library ships in the package, the install
# script only fetches GPU parts) runs exported ONNX segments against the whole model
# (tests/export_test.cpp).
if ! command -v node > /dev/null || ! command -v npm > /dev/null; then
  echo "run_tests: installing nodejs and npm (onnxruntime for the segment export tests)" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends nodejs npm
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
