// Runs a .tflite model and exported pipelines of it (directories holding pipeline.json and the
// segment files) in TensorFlow Lite's WebAssembly build (@litertjs/core, XNNPACK on the CPU), on
// the same seeded random inputs, passing tensors between segments by name as Coral's
// PipelinedModelRunner does, and compares the last segment's outputs with the whole model's, bit
// for bit.
//
// Usage: node run_tflite_pipeline.mjs [--seed N] [--repeat R] MODEL.tflite [PIPELINE_DIR ...]
//
// Prints one JSON line for the whole model ({"whole": true, "ok", "inputs", "outputs",
// "invoke_ms", "error"}) and then one per pipeline directory ({"pipeline", "ok", "outputs",
// "elements", "mismatches", "max_abs_diff", "segments": [{"file", "invoke_ms"}], "error"}).
// Exit code: 0 when the whole model runs and every pipeline is bit-identical to it, 1 when a
// pipeline fails or differs, 3 when the whole model cannot run in this runtime (the reason is in
// its line: a custom operator, an unsupported type...), 2 on usage errors.
//
// What is pinned, so results reproduce: the package version (package.json beside this file) and
// its baseline wasm build (litert_wasm_compat_internal: SIMD without relaxed SIMD, one thread; the
// relaxed-SIMD build may round floats differently).
//
// Node.js loading: the package is written for browsers and workers. Its loader runs the
// emscripten glue through importScripts() and a worker-style global `self`; here importScripts
// evaluates the glue with Node's require, so it reads the .wasm from disk. The JavaScript wrapper
// maps only float32, int32 and uint8 tensors; a copy of its entry module with the other element
// types added (int8, int16, int64, bool, float16 as raw bits, ...) is written beside the
// package, once. The runtime reports interpreter failures (a node that fails to prepare or
// invoke) only on its error stream and still returns buffers: every such message is caught and
// fails the run, never read as an output.
import fs from 'fs';
import os from 'os';
import path from 'path';
import vm from 'vm';
import {createRequire} from 'module';
import {fileURLToPath, pathToFileURL} from 'url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const kCore = path.join(here, 'node_modules', '@litertjs', 'core');
const kUtils = path.join(here, 'node_modules', '@litertjs', 'wasm-utils');
const kWasmJs = path.join(kCore, 'wasm', 'litert_wasm_compat_internal.js');

function usage(msg) {
  process.stderr.write(`run_tflite_pipeline: ${msg}\n`);
  process.exit(2);
}

// ---- Messages from the runtime: errors go to a list that fails the run; informational lines and
// warnings ("Sparsity tensors may not yet be fully supported") do not.
let messages = [];
const kBenign = [/Failed to create default WebGPU device/, /^WARNING: \[npu_registry/];
function record(...args) {
  const line = args.map(String).join(' ');
  if (kBenign.some((re) => re.test(line))) return;
  if (/^ERROR|fail|error|abort/i.test(line)) messages.push(line);
}
console.error = record;
console.warn = record;
console.info = () => {};
console.debug = () => {};
const log = (obj) => process.stdout.write(JSON.stringify(obj) + '\n');

// ---- Loading the package under Node.js.
async function loadRuntime() {
  if (!fs.existsSync(kWasmJs))
    throw new Error(`@litertjs/core is not installed in ${here} (run: cd ${here} && npm install --ignore-scripts)`);
  globalThis.self = globalThis;
  globalThis.importScripts = (url) => {
    const file = url.startsWith('file:') ? fileURLToPath(url) : url;
    const src = fs.readFileSync(file, 'utf8');
    const fn = vm.runInThisContext(
        `(function (require, __filename, __dirname) {${src}\n;globalThis.ModuleFactory = ModuleFactory;})`,
        {filename: file});
    fn(require, file, path.dirname(file));
  };
  const pkg = JSON.parse(fs.readFileSync(path.join(kCore, 'package.json'), 'utf8'));
  let patched = path.join(kCore, 'dist', `respect-node-${pkg.version}.mjs`);
  try {
    fs.accessSync(path.dirname(patched), fs.constants.W_OK);
  } catch {
    patched = path.join(os.tmpdir(), `respect-litert-node-${pkg.version}.mjs`);  // a read-only install
  }
  if (!fs.existsSync(patched)) {
    let src = fs.readFileSync(path.join(kCore, 'dist', 'index.js'), 'utf8');
    const anchor = 'var DATATYPES = Object.freeze([';
    const importLine = 'from "@litertjs/wasm-utils"';
    if (!src.includes(anchor) || src.indexOf('\n]);', src.indexOf(anchor)) < 0 || !src.includes(importLine))
      throw new Error(`@litertjs/core ${pkg.version}: unexpected layout of dist/index.js (pin 2.5.3)`);
    const extra = [
      ['int8', 'Int8Array', 'INT8'], ['int16', 'Int16Array', 'INT16'], ['int64', 'BigInt64Array', 'INT64'],
      ['float16', 'Uint16Array', 'FLOAT16'], ['uint16', 'Uint16Array', 'UINT16'],
      ['uint32', 'Uint32Array', 'UINT32'], ['float64', 'Float64Array', 'FLOAT64'], ['bool', 'Uint8Array', 'BOOL'],
    ].map(([d, c, e]) => `,{dtype: "${d}", typedArrayConstructor: ${c}, elementType: ElementType.${e}}`).join('\n');
    // After the wrapper's own three: a typed array maps to the first entry whose constructor it is.
    const end = src.indexOf('\n]);', src.indexOf(anchor));
    src = src.slice(0, end) + '\n' + extra + src.slice(end);
    src = src.replace(importLine, `from ${JSON.stringify(pathToFileURL(path.join(kUtils, 'dist', 'index.js')).href)}`);
    const tmp = `${patched}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, src);
    fs.renameSync(tmp, patched);  // atomic: concurrent runners see the whole file or none
  }
  const lrt = await import(pathToFileURL(patched).href);
  await lrt.loadLiteRt(kWasmJs);
  messages = [];
  return lrt;
}

// ---- Inputs.
function rng(seed) {  // mulberry32
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const kArrays = {
  float32: Float32Array, int32: Int32Array, uint8: Uint8Array, int8: Int8Array, int16: Int16Array,
  int64: BigInt64Array, bool: Uint8Array, float16: Uint16Array, uint16: Uint16Array, uint32: Uint32Array,
  float64: Float64Array,
};

function randomArray(dtype, shape, next) {
  const Ctor = kArrays[dtype];
  if (!Ctor || dtype === 'float16') throw new Error(`input type ${dtype} is not supported by this runner`);
  const n = shape.reduce((a, b) => a * Math.max(b, 1), 1);
  const data = new Ctor(n);
  for (let i = 0; i < n; ++i) {
    const r = next();
    if (dtype === 'float32' || dtype === 'float64') data[i] = r * 2 - 1;
    else if (dtype === 'uint8') data[i] = Math.floor(r * 256);
    else if (dtype === 'int8') data[i] = Math.floor(r * 256) - 128;
    else if (dtype === 'int16') data[i] = Math.floor(r * 65536) - 32768;
    else if (dtype === 'int64') data[i] = BigInt(Math.floor(r * 4));
    else if (dtype === 'bool') data[i] = r < 0.5 ? 0 : 1;
    else data[i] = Math.floor(r * 4);  // int32 and other integers: small (indices, sizes)
  }
  return data;
}

// ---- Running one model: named inputs in, named outputs out (typed arrays copied off the heap).
async function compile(lrt, file) {
  messages = [];
  const model = await lrt.loadAndCompile(new Uint8Array(fs.readFileSync(file)), {accelerator: 'wasm'});
  if (messages.length) throw new Error(`${path.basename(file)}: ${messages.join(' | ')}`);
  return model;
}

async function invoke(lrt, model, file, feeds, repeat) {
  const inputs = {};
  for (const d of model.getInputDetails()) {
    if (!(d.name in feeds)) throw new Error(`${path.basename(file)}: input '${d.name}' is not available`);
    const v = feeds[d.name];
    if (v.dtype !== d.dtype)
      throw new Error(`${path.basename(file)}: input '${d.name}' is ${d.dtype} but ${v.dtype} was produced`);
    // A dimension the model leaves open (-1: a dynamic batch) is 1, as the inputs were drawn.
    inputs[d.name] = new lrt.Tensor(v.data, Array.from(d.shape, (x) => (x > 0 ? x : 1)));
  }
  let best = Infinity, results = null;
  for (let r = 0; r < repeat; ++r) {
    if (results) for (const t of Object.values(results)) t.delete();
    messages = [];
    const t0 = process.hrtime.bigint();
    results = await model.run(inputs);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    best = Math.min(best, ms);
    if (messages.length) break;
  }
  for (const t of Object.values(inputs)) t.delete();
  const out = {};
  for (const [name, t] of Object.entries(results)) {
    out[name] = {dtype: t.type.dtype, data: t.toTypedArray()};
    t.delete();
  }
  if (messages.length) throw new Error(`${path.basename(file)}: ${messages.join(' | ')}`);
  return {out, ms: best};
}

function sameBits(a, b) {
  const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; ++i)
    if (x[i] !== y[i]) return false;
  return true;
}

// ---- Main.
const args = process.argv.slice(2);
let seed = 1, repeat = 1;
const positional = [];
for (let i = 0; i < args.length; ++i) {
  if (args[i] === '--seed') seed = Number(args[++i]);
  else if (args[i] === '--repeat') repeat = Math.max(1, Number(args[++i]));
  else if (args[i].startsWith('--')) usage(`unknown option ${args[i]}`);
  else positional.push(args[i]);
}
if (positional.length < 1 || !Number.isFinite(seed)) usage('usage: run_tflite_pipeline.mjs [--seed N] [--repeat R] MODEL.tflite [PIPELINE_DIR ...]');
const [modelFile, ...dirs] = positional;

let lrt;
try {
  lrt = await loadRuntime();
} catch (e) {
  usage(e.message);
}

// The whole model on seeded inputs. Inputs are generated per the whole model's own order; a
// pipeline names them by tensor name (and signature name, when the model has a signature).
let whole;
try {
  const model = await compile(lrt, modelFile);
  const next = rng(seed);
  const feeds = {}, details = [];
  for (const d of model.getInputDetails()) {
    const shape = Array.from(d.shape, (x) => (x > 0 ? x : 1));
    feeds[d.name] = {dtype: d.dtype, data: randomArray(d.dtype, shape, next)};
    details.push({name: d.name, dtype: d.dtype, shape});
  }
  const {out, ms} = await invoke(lrt, model, modelFile, feeds, repeat);
  whole = {feeds, out, ms};
  log({whole: true, ok: true, inputs: details, outputs: Object.keys(out), invoke_ms: ms});
} catch (e) {
  log({whole: true, ok: false, error: String(e.message || e)});
  process.exit(3);
}

let failures = 0;
for (const dir of dirs) {
  const result = {pipeline: dir, ok: false, segments: []};
  try {
    const pipeline = JSON.parse(fs.readFileSync(path.join(dir, 'pipeline.json'), 'utf8'));
    // The whole model names its inputs and outputs by tensor name, or by signature name when it
    // has a signature (pipeline.json's "signature" maps signature names to tensor names).
    const sigName = (field, tensor) => {
      const m = (pipeline.signature && pipeline.signature[field]) || {};
      return Object.keys(m).find((k) => m[k] === tensor);
    };
    const values = {};
    for (const info of pipeline.segments[0].inputs) {
      const key = [info.name, sigName('inputs', info.name)].find((k) => k !== undefined && k in whole.feeds);
      if (key === undefined) throw new Error(`model input '${info.name}' is not an input of the whole model`);
      values[info.name] = whole.feeds[key];
    }
    for (const seg of pipeline.segments) {
      const file = path.join(dir, seg.file);
      const model = await compile(lrt, file);
      const {out, ms} = await invoke(lrt, model, file, values, repeat);
      // A tensor passed through a segment (an input that is also an output, no operator: a model
      // output made early, routed to the last segment) is the same tensor in TFLite's classic
      // interpreter, which Coral's runner uses; LiteRT's CompiledModel hands back a separate,
      // unwritten buffer for it. pipeline.json lists them: keep the value fed in.
      const through = new Set(seg.passed_through || []);
      for (const [name, v] of Object.entries(out))
        if (!through.has(name)) values[name] = v;
      result.segments.push({file: seg.file, invoke_ms: ms});
    }
    let elements = 0, mismatches = 0, maxDiff = 0;
    const names = pipeline.outputs;
    for (let i = 0; i < names.length; ++i) {
      const name = names[i];
      const wkey = [name, sigName('outputs', name)].find((k) => k !== undefined && k in whole.out);
      if (wkey === undefined) throw new Error(`output '${name}' is not an output of the whole model`);
      if (!(name in values)) throw new Error(`output '${name}' was not produced by the pipeline`);
      const a = whole.out[wkey].data, b = values[name].data;
      if (a.length !== b.length) throw new Error(`output ${name}: ${a.length} vs ${b.length} elements`);
      elements += a.length;
      if (!sameBits(a, b)) {
        for (let k = 0; k < a.length; ++k) {
          if (!Object.is(a[k], b[k])) {
            ++mismatches;
            const d = Math.abs(Number(a[k]) - Number(b[k]));
            if (d > maxDiff) maxDiff = d;
          }
        }
        if (mismatches === 0) mismatches = 1;  // same values, other bits (NaN payloads)
      }
    }
    Object.assign(result, {outputs: names.length, elements, mismatches, max_abs_diff: maxDiff,
                           ok: mismatches === 0 && elements > 0});
  } catch (e) {
    result.error = String(e.message || e);
  }
  if (!result.ok) ++failures;
  log(result);
}
process.exit(failures ? 1 : 0);
