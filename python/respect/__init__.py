"""respect: split deep neural networks across pipelined Edge TPUs, and order their operators.

The same library as the ``respect`` command line, from Python: every number comes from the
one evaluator, and ``Schedule.to_json()`` is what ``respect schedule --json`` prints.

>>> import respect
>>> g = respect.load("zoo:resnet50")           # or a .tflite/.onnx path, or the file's bytes
>>> s = respect.schedule(g, stages=4)           # auto: exact where it can, proven optimal
>>> s.period_ms, s.proven, s.speedup_vs_compiler
>>> respect.evaluate(g, [0] * 40 + [1] * (len(g) - 40))   # score a schedule of your own

Functions: load, graph, from_networkx, schedule, evaluate, simulate, lower_bounds, order, export,
inspect, devices, device, methods, load_policy, eval_policy. Errors raise ValueError with the command
line's one-line message. Long solves release the GIL; Ctrl-C raises KeyboardInterrupt.
"""
from ._core import (Device, Graph, Operator, Policy, Schedule, device, devices, eval_policy, evaluate,
                    export, graph, inspect, load, load_policy, lower_bounds, methods, order, plan, schedule,
                    simulate, deploy)

__all__ = ["Device", "Graph", "Operator", "Policy", "Schedule", "device", "devices", "eval_policy",
           "evaluate", "export", "from_networkx", "graph", "inspect", "load", "load_policy", "lower_bounds", "methods",
           "order", "plan", "schedule", "simulate", "deploy"]


def from_networkx(g, name="graph"):
    """Build a Graph from a networkx DiGraph.

    Each node is an operator named ``str(node)``; node attributes ``type``, ``param_bytes``,
    ``macs`` and ``output_bytes`` are used when present (0 otherwise). Edges are data
    dependencies. Raises ValueError on cycles.
    """
    operators = []
    for node, data in g.nodes(data=True):
        op = {"name": str(node)}
        for key in ("type", "param_bytes", "macs", "output_bytes"):
            if key in data:
                op[key] = data[key]
        operators.append(op)
    edges = [(str(u), str(v)) for u, v in g.edges()]
    return graph(name, operators, edges)
