from ._core import (Device as Device, Graph as Graph, Operator as Operator, Policy as Policy,
                    Schedule as Schedule, device as device, devices as devices, eval_policy as eval_policy,
                    evaluate as evaluate, export as export, graph as graph, inspect as inspect, load as load,
                    load_policy as load_policy, methods as methods, order as order, plan as plan, deploy as deploy,
                    schedule as schedule, simulate as simulate)
from typing import Any

def from_networkx(g: Any, name: str = "graph") -> Graph: ...
