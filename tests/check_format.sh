#!/usr/bin/env bash
# Every C++ file of the project is formatted by clang-format (Debian's) with the committed
# .clang-format; prints the files that are not and exits 1. Fix with:
#   clang-format -i $(git ls-files 'src/*.h' 'src/*.cpp' 'tests/*.h' 'tests/*.cpp' 'python/*.cpp')
set -u
cd "$(dirname "$0")/.."
if ! command -v clang-format > /dev/null; then
  echo "check_format: clang-format is not installed (apt-get install clang-format)" >&2
  exit 1
fi
bad=0
for f in $(find src tests python -name '*.h' -o -name '*.cpp' | sort); do
  if ! clang-format --dry-run --Werror "$f" > /dev/null 2>&1; then
    echo "not formatted: $f"
    bad=$((bad + 1))
  fi
done
echo "format: $bad file(s) not formatted"
[ "$bad" -eq 0 ]
