#!/usr/bin/python3
"""Checks that every #include under src/ goes down the layers of docs/architecture.md, never up
or sideways: each folder may include itself and the folders listed for it (transitively
closed below). Run by CTest (test `layering`); the build's one-library-per-layer link order
catches calls, this catches includes (types and inline code too).

Usage: check_layers.py SRC_DIR   (exit 1 listing each offending include)
"""
import re
import sys
from pathlib import Path

# folder -> the folders directly beneath it that it may use
LAYERS = {
    "core": [],
    "solver": ["core"],
    "importers": ["core"],
    "zoo": ["core"],
    "synth": ["core"],
    "models": ["importers", "zoo", "synth"],
    "cost": ["models"],
    "schedulers": ["cost", "solver"],
    "memory": ["core", "solver"],
    "exporters": ["models", "schedulers"],
    "runtime": ["core"],
    "learn": ["schedulers", "synth", "solver"],
    "report": ["schedulers", "memory"],
    "bench": ["report", "exporters", "runtime", "learn"],
    "cli": ["bench", "learn", "report", "exporters", "runtime", "memory", "schedulers", "models"],
}


def allowed(folder, seen=None):
    out = {folder}
    for below in LAYERS[folder]:
        out |= allowed(below)
    return out


def main():
    src = Path(sys.argv[1] if len(sys.argv) > 1 else "src")
    bad = []
    folders = sorted(p.name for p in src.iterdir() if p.is_dir())
    for f in folders:
        if f not in LAYERS:
            bad.append(f"src/{f}/: a folder with no layer in tests/check_layers.py (add it, and to docs/architecture.md)")
    for path in sorted(src.rglob("*")):
        if path.suffix not in (".h", ".cpp") or path.parent.name not in LAYERS:
            continue
        ok = allowed(path.parent.name)
        for n, line in enumerate(path.read_text().splitlines(), 1):
            m = re.match(r'\s*#include\s+"([a-z_]+)/', line)
            if m and m.group(1) in LAYERS and m.group(1) not in ok:
                bad.append(f"{path.relative_to(src.parent)}:{n}: {path.parent.name}/ includes {m.group(1)}/, "
                           f"a layer above or beside it")
    for b in bad:
        print(b)
    print(f"layering: {len(bad)} violation(s) in {len(folders)} folders")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
