#!/usr/bin/python3
"""Sweep the pipeline size K = 2..8 for three models and compare with Coral's compiler.

Prints a table of period, throughput and speed-up, and plots throughput against K with
matplotlib where it is installed (sweep_k.png). Run after scripts/setup.sh:

    /usr/bin/python3 examples/sweep_k.py [MODEL ...]

MODEL: zoo names (zoo:resnet50), .tflite/.onnx files or any spec `respect` takes.
"""
import sys

import respect

models = sys.argv[1:] or ["zoo:resnet50", "zoo:mobilenet_v2", "zoo:inception_v3"]
curves = {}
print(f"{'model':<22} {'K':>2} {'period ms':>10} {'inf/s':>8} {'compiler ms':>12} {'speed-up':>9}  proven")
for spec in models:
    g = respect.load(spec)
    curves[g.name] = []
    for k in range(2, 9):
        s = respect.schedule(g, stages=k, time_limit=10)
        curves[g.name].append((k, s.throughput_ips))
        print(f"{g.name:<22} {k:>2} {s.period_ms:>10.3f} {s.throughput_ips:>8.1f} {s.compiler_period_ms:>12.3f} "
              f"{s.speedup_vs_compiler:>8.2f}x  {s.proven}")

try:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    print("(matplotlib is not installed: no plot; apt-get install python3-matplotlib)")
else:
    for name, points in curves.items():
        plt.plot([k for k, _ in points], [t for _, t in points], marker="o", label=name)
    plt.xlabel("Edge TPUs in the pipeline (K)")
    plt.ylabel("throughput (inferences/s, cost model)")
    plt.legend()
    plt.grid(alpha=0.3)
    plt.savefig("sweep_k.png", dpi=120, bbox_inches="tight")
    print("wrote sweep_k.png")
