"""Tests of the Python module (`import respect`), run by the README's test command through CTest.

They use real models from ../shared and compare with the command line's JSON on the same inputs.
RESPECT_BINARY names the CLI (CTest sets it); the module is found on PYTHONPATH (build/python).
"""
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import respect

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared"
CLI = os.environ.get("RESPECT_BINARY", str(ROOT / "build" / "respect"))
MNV2 = str(SHARED / "models" / "tflite" / "mobilenet_v2_1.0_224_quant.tflite")
RESNET8 = str(SHARED / "models" / "tflite" / "pretrainedResnet_quant.tflite")
NASNET = str(SHARED / "data" / "respect_paper_graphs" / "NASNet.json")


def cli_json(*args):
    out = subprocess.run([CLI, *args, "--json"], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def without(d, *keys):
    return {k: v for k, v in d.items() if k not in keys}


def test_load_reads_files_bytes_and_specs():
    g = respect.load(MNV2)
    assert g.name == "mobilenet_v2_1.0_224_quant"
    assert len(g) == len(g.operators) == 66
    assert g.num_edges == len(g.edges) == 75
    assert g.param_bytes == 3543276
    assert g.macs == 301055657  # the published 300 M MACs of MobileNet v2 1.0/224
    op = g.operators[0]
    assert op.index == 0 and op.type == "CONV_2D" and op.op_class == "conv" and op.param_bytes > 0
    assert all(p in {o.name for o in g.operators} for o in g.operators for p in o.inputs)
    from_bytes = respect.load(Path(MNV2).read_bytes())
    assert [o.name for o in from_bytes.operators] == [o.name for o in g.operators]
    onnx = respect.load((SHARED / "models" / "onnx" / "light_squeezenet.onnx").read_bytes())
    assert len(onnx) > 0
    assert len(respect.load("zoo:resnet50")) == 75
    assert len(respect.load("synth:n=50,deg=6,levels=16-40,seed=1")) == 50
    assert respect.load(Path(NASNET)).num_edges > 0  # os.PathLike
    assert respect.load(json.dumps(g.to_json()).encode()).param_bytes == g.param_bytes


def test_bad_input_raises_value_error_with_one_line():
    for bad in ["/no/such/model.tflite", "zoo:no_such_net"]:
        with pytest.raises(ValueError) as e:
            respect.load(bad)
        assert "\n" not in str(e.value) and str(e.value)
    truncated = Path(MNV2).read_bytes()[:5000]
    with pytest.raises(ValueError, match="corrupt or truncated"):
        respect.load(truncated)
    with pytest.raises(ValueError, match="cycle"):
        respect.graph("loop", [{"name": "a"}, {"name": "b"}], [("a", "b"), ("b", "a")])
    with pytest.raises(ValueError, match="unknown operator"):
        respect.graph("g", [{"name": "a"}], [("a", "zz")])
    g = respect.load(RESNET8)
    with pytest.raises(ValueError, match="stages"):
        respect.schedule(g, stages=-1)
    with pytest.raises(ValueError, match="method"):
        respect.schedule(g, stages=2, method="magic")


def test_schedule_equals_the_cli_json():
    for spec, k, method in [("zoo:resnet50", 4, "auto"), (MNV2, 3, "dp"), (RESNET8, 2, "compiler")]:
        s = respect.schedule(respect.load(spec), stages=k, method=method, time_limit=10)
        mine = s.to_json()
        theirs = cli_json("schedule", spec, "-k", str(k), "--method", method, "--time-limit", "10", "--quiet")
        assert without(mine, "solve_seconds") == without(theirs, "solve_seconds")
        assert s.stages == k and len(s.assignment) == len(respect.load(spec))
        assert s.period_ms == pytest.approx(mine["period_ms"])
        assert s.stage_of == mine["assignment"]


def test_paper_table_in_ten_lines():
    # The paper bench's K = 4 rows (a few models): speed-up of exact over Coral's compiler.
    rows = []
    for name in ["resnet50", "mobilenet_v2", "densenet121"]:
        g = respect.load(f"zoo:{name}")
        best = respect.schedule(g, stages=4, method="exact")
        compiler = respect.schedule(g, stages=4, method="compiler")
        rows.append((name, compiler.period_ms, best.period_ms, compiler.period_ms / best.period_ms, best.proven))
    for name, c, b, speedup, proven in rows:
        assert proven and speedup >= 1.0 and b <= c


def test_evaluate_scores_a_hand_written_schedule():
    g = respect.load(RESNET8)
    n = len(g)
    mine = [0] * (n // 2) + [1] * (n - n // 2)
    e = respect.evaluate(g, mine)
    assert len(e["stages"]) == 2 and e["period_ms"] == max(st["latency_ms"] for st in e["stages"])
    as_dict = respect.evaluate(g, {op.name: mine[op.index] for op in g.operators})
    assert as_dict == e
    s = respect.schedule(g, stages=2, method="exact")
    assert respect.evaluate(g, s)["period_ms"] == pytest.approx(s.period_ms)
    assert respect.evaluate(g, s.assignment)["period_ms"] <= e["period_ms"] + 1e-9  # exact is optimal
    backwards = [1] * (n // 2) + [0] * (n - n // 2)
    with pytest.raises(ValueError, match="edge"):
        respect.evaluate(g, backwards)
    with pytest.raises(ValueError, match="operators"):
        respect.evaluate(g, [0, 1])


def test_graph_from_lists_and_networkx():
    ops = [{"name": "in", "macs": 10_000_000, "output_bytes": 200_000, "param_bytes": 1_000_000},
           {"name": "a", "macs": 50_000_000, "output_bytes": 100_000, "param_bytes": 3_000_000},
           {"name": "b", "macs": 50_000_000, "output_bytes": 100_000, "param_bytes": 3_000_000},
           {"name": "out", "macs": 5_000_000, "output_bytes": 4_000, "param_bytes": 500_000}]
    g = respect.graph("tiny", ops, [("in", "a"), ("in", "b"), ("a", "out"), (2, 3)])
    assert len(g) == 4 and g.num_edges == 4 and g.param_bytes == 7_500_000
    s = respect.schedule(g, stages=2, method="exact")
    assert s.proven and set(s.assignment) == {0, 1}
    nx = pytest.importorskip("networkx")
    d = nx.DiGraph()
    for o in ops:
        d.add_node(o["name"], **{k: v for k, v in o.items() if k != "name"})
    d.add_edges_from([("in", "a"), ("in", "b"), ("a", "out"), ("b", "out")])
    g2 = respect.from_networkx(d, name="tiny")
    assert respect.schedule(g2, stages=2, method="exact").period_ms == pytest.approx(s.period_ms)


def test_simulate_order_inspect_match_the_cli():
    g = respect.load(MNV2)
    s = respect.schedule(g, stages=3, method="dp")
    sim = respect.simulate(g, s, inferences=200)
    assert sim["simulation"]["period_ms"] == pytest.approx(s.period_ms, rel=1e-6)
    one = respect.simulate(g)
    assert one["num_stages"] == 1
    o = respect.order(g, method="dp")
    theirs = cli_json("order", MNV2, "--method", "dp")
    assert without(o, "solve_seconds") == without(theirs, "solve_seconds")
    assert respect.inspect(g) == cli_json("inspect", MNV2)


def test_devices_can_be_tweaked():
    assert "usb" in respect.devices() and "auto" in respect.methods() and "rl" in respect.methods()
    usb = respect.device("usb")
    small = usb.with_changes({"param_cache_bytes": 1 << 20})
    assert small.param_cache_bytes == 1 << 20 and usb.param_cache_bytes > 7 << 20  # the copy changed, not usb
    g = respect.load("zoo:resnet50")
    a = respect.schedule(g, stages=4, device=usb)
    b = respect.schedule(g, stages=4, device=small)
    assert b.period_ms > a.period_ms  # less cache: more parameters streamed
    with pytest.raises(ValueError, match="no field"):
        usb.with_changes({"warp_drive": 1})


def test_export_and_check(tmp_path):
    s = respect.schedule(respect.load(RESNET8), stages=3)
    out = tmp_path / "segments"
    p = respect.export(RESNET8, s, str(out), check=True)
    assert p["stages"] == 3 and len(p["segments"]) == 3 and (out / "pipeline.json").exists()
    assert p["check"]["bit_identical"] and len(p["check"]["segment_invoke_ms"]) == 3
    with pytest.raises(ValueError):
        respect.export(RESNET8, [0] * 3, str(tmp_path / "bad"))
    assert not (tmp_path / "bad").exists()


def test_policy_loading_and_eval():
    p = respect.load_policy()
    assert p.config["hidden"] > 0
    g = respect.load("zoo:resnet50")
    order = p.order(g)
    assert sorted(order) == sorted(o.name for o in g.operators)
    m = respect.eval_policy(p, graphs=4, seed=3)
    assert 0 <= m["masked"]["mismatch"] <= 50 and m["masked"]["topological"] == 1.0
    s = respect.schedule(g, stages=4, method="rl")
    assert s.method == "rl" and s.period_ms > 0


def test_long_solves_release_the_gil():
    g = respect.load(NASNET)
    result = {}
    t = threading.Thread(target=lambda: result.update(s=respect.schedule(g, stages=4, method="ilp", time_limit=4)))
    ticks = 0
    start = time.monotonic()
    t.start()
    while t.is_alive():
        ticks += 1
        time.sleep(0.01)
    assert ticks > 50, "the main thread did not run while the solve did"
    assert time.monotonic() - start < 15 and result["s"].stages == 4


def test_ctrl_c_interrupts_a_long_solve():
    # In a child process: SIGINT during a 60 s ilp solve ends it with KeyboardInterrupt at once.
    script = f"""
import os, signal, threading, time, respect
# Python installs its Ctrl-C handler only where SIGINT was not ignored at start (a job started in
# the background by a script inherits it ignored): install it, as an interactive session has it.
signal.signal(signal.SIGINT, signal.default_int_handler)
g = respect.load({NASNET!r})
threading.Timer(1.0, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
t0 = time.monotonic()
try:
    respect.schedule(g, stages=6, method="ilp", time_limit=60)
    print("finished")
except KeyboardInterrupt:
    print("interrupted after %.1f s" % (time.monotonic() - t0))
"""
    t0 = time.monotonic()
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=50,
                         env=dict(os.environ))
    assert "interrupted after" in out.stdout, out.stdout + out.stderr
    assert float(out.stdout.split()[-2]) < 5
    assert time.monotonic() - t0 < 30, "the process did not exit soon after the interrupt"


def test_help_teaches():
    for f in [respect.load, respect.schedule, respect.evaluate, respect.order, respect.export, respect.simulate]:
        assert f.__doc__ and len(f.__doc__) > 150
    assert "stages" in respect.schedule.__doc__ and "proven" in respect.schedule.__doc__
    assert "ValueError" in respect.evaluate.__doc__


def test_hybrid_schedule_plan_and_simulate_match_the_cli():
    g = respect.load("zoo:resnet50")
    s = respect.schedule(g, tpus=6, time_limit=10)
    assert s.proven and s.tpus <= 6 and len(s.replicas) == s.stages and sum(s.replicas) == s.tpus
    theirs = cli_json("schedule", "zoo:resnet50", "--tpus", "6", "--time-limit", "10", "--quiet")
    assert without(s.to_json(), "solve_seconds") == without(theirs, "solve_seconds")
    plain = respect.schedule(g, stages=6, time_limit=10)
    assert s.period_ms <= plain.period_ms * (1 + 1e-12)
    # The simulator's steady state is the evaluator's period, replicas included.
    sim = respect.simulate(g, s, inferences=2000)
    assert sim["replicas"] == s.replicas
    assert sim["simulation"]["period_ms"] == pytest.approx(s.period_ms, rel=1e-6)
    ev = respect.evaluate(g, s.assignment, replicas=s.replicas)
    assert ev["period_ms"] == pytest.approx(s.period_ms) and ev["tpus"] == s.tpus
    p = respect.plan(g, max_tpus=4, time_limit=10)
    def timeless(plan):
        for q in plan["points"]:
            q["hybrid"].pop("solve_seconds")
        return plan

    assert timeless(p) == timeless(cli_json("plan", "zoo:resnet50", "--max-tpus", "4", "--quiet"))
    assert [q["tpus"] for q in p["points"]] == [1, 2, 3, 4]
    periods = [q["hybrid"]["period_ms"] for q in p["points"]]
    assert all(b <= a * (1 + 1e-12) for a, b in zip(periods, periods[1:]))  # more TPUs never hurt
    reach = respect.plan(g, fps=0.99e3 / periods[2])
    assert reach["answer_tpus"] == 3
    with pytest.raises(ValueError):
        respect.schedule(g, stages=8, tpus=6)


def test_deploy_several_models_matches_the_cli():
    graphs = [respect.load("zoo:mobilenet_v2"), respect.load("zoo:squeezenet"), respect.load("zoo:resnet50")]
    d = respect.deploy(graphs, fps=[300, 100, 150])
    theirs = cli_json("plan", "zoo:mobilenet_v2", "zoo:squeezenet", "zoo:resnet50", "--fps", "300,100,150", "-q")
    assert without(d, "simulation") == without(theirs, "simulation")
    assert d["targets_met"] and d["ratio"] >= 1 and d["proven"]
    w = respect.deploy(graphs[:2], weights=[1, 1], tpus=1)
    assert len(w["tpu_list"]) == 1 and all(m["shared"] for m in w["models"])
    with pytest.raises(ValueError):
        respect.deploy(graphs, fps=[1, 2])


def test_a_lower_bound_proves_nasnet_without_a_search():
    # The authors' NASNet (771 operators, too many downsets for the lattice) at K = 6: the best
    # heuristic meets the head-tail lower bound, which the result names.
    g = respect.load(str(SHARED / "data/respect_paper_graphs/NASNet.json"))
    s = respect.schedule(g, stages=6, method="exact", time_limit=30)
    assert s.proven and s.lower_bound_from == "head-tail"
    assert s.lower_bound == pytest.approx(s.period_ms / 1e3, rel=1e-6)
    assert s.to_json()["lower_bound_from"] == "head-tail"


def test_the_cut_walk_proves_nasnet_under_the_paper_objective():
    # Too many downsets for the lattice: the cut walk proves the paper objective, at or below
    # every heuristic, and the paper bound lies below it.
    g = respect.load(NASNET)
    s = respect.schedule(g, stages=4, objective="paper", method="exact", time_limit=60)
    dp = respect.schedule(g, stages=4, objective="paper", method="dp")
    assert s.proven and s.lower_bound_from == "cut-walk"
    assert s.to_json()["engine"] == "cut-walk"
    assert s.objective_value <= dp.objective_value
    assert respect.lower_bounds(g, stages=4, objective="paper")["paper"] <= s.objective_value


def test_lower_bounds_never_exceed_a_proven_optimum():
    # ResNet-50 at K = 4: exact proves the optimum; every bound lies below it, the best names
    # itself, and bad requests raise ValueError.
    g = respect.load("zoo:resnet50")
    s = respect.schedule(g, stages=4, method="exact")
    b = respect.lower_bounds(g, stages=4, time_limit=5)
    assert s.proven
    for name in ["simple", "head_tail", "host_cut", "boundary", "best"]:
        assert 0 <= b[name] <= s.period_ms / 1e3 * (1 + 1e-9)
    assert b["best"] == max(b["simple"], b["head_tail"], b["host_cut"], b["boundary"], b["paper"])
    assert b["best_from"] in ("simple", "head-tail", "host-cut", "boundary")
    p = respect.lower_bounds(g, stages=4, objective="paper", paper_lambda=2.0)
    assert p["paper"] > 0 and p["head_tail"] == 0
    with pytest.raises(ValueError):
        respect.lower_bounds(g, stages=-1)
