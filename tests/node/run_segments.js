// Runs an ONNX model and its exported pipeline segments (pipeline.json) on the same random
// inputs with onnxruntime, chaining the segments by tensor name as a pipelined runner does, and
// compares the last segment's outputs with the whole model's, element by element.
// Usage: node run_segments.js MODEL.onnx SEGMENT_DIR [SEED]
// Prints one JSON line {"outputs": N, "elements": E, "mismatches": M, "max_abs_diff": D}; exits 0
// when every output is bit-identical, 1 when not, 2 on errors.
const fs = require('fs');
const path = require('path');
const ort = require('onnxruntime-node');

ort.env.logLevel = 'error';  // not the warnings about initializers listed as inputs (old IR versions)

function rng(seed) {  // mulberry32: deterministic inputs
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const kTypes = {
  float32: [Float32Array, 'float32'], float16: null, int8: [Int8Array, 'int8'], uint8: [Uint8Array, 'uint8'],
  int32: [Int32Array, 'int32'], int64: [BigInt64Array, 'int64'], bool: [Uint8Array, 'bool'],
};

function randomTensor(info, next) {
  const t = kTypes[info.dtype];
  if (!t) throw new Error(`input ${info.name}: dtype ${info.dtype} not supported by this tool`);
  const dims = info.shape.map((d) => (d < 0 ? 1 : d));
  const n = dims.reduce((a, b) => a * b, 1);
  const data = new t[0](n);
  for (let i = 0; i < n; ++i) {
    const r = next();
    if (t[1] === 'float32') data[i] = r * 2 - 1;
    else if (t[1] === 'int64') data[i] = BigInt(Math.floor(r * 4));
    else if (t[1] === 'bool') data[i] = r < 0.5 ? 0 : 1;
    else data[i] = Math.floor(r * 16);
  }
  return new ort.Tensor(t[1], data, dims);
}

async function session(file) {
  return ort.InferenceSession.create(file, {
    graphOptimizationLevel: 'disabled',  // the same kernels on both sides: no fusion across a cut
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    logSeverityLevel: 3,
  });
}

(async () => {
  const [model, dir, seedArg] = process.argv.slice(2);
  const pipeline = JSON.parse(fs.readFileSync(path.join(dir, 'pipeline.json'), 'utf8'));
  const next = rng(Number(seedArg || 1));
  const feeds = {};
  for (const info of pipeline.segments[0].inputs) feeds[info.name] = randomTensor(info, next);
  const whole = await (await session(model)).run(feeds);
  const values = Object.assign({}, feeds);
  for (const seg of pipeline.segments) {
    const s = await session(path.join(dir, seg.file));
    const f = {};
    for (const name of s.inputNames) {
      if (!(name in values)) throw new Error(`${seg.file}: input ${name} was not produced by an earlier segment`);
      f[name] = values[name];
    }
    const out = await s.run(f);
    for (const name of s.outputNames) values[name] = out[name];
  }
  let elements = 0, mismatches = 0, maxDiff = 0;
  for (const name of pipeline.outputs) {
    const a = whole[name].data, b = values[name].data;
    if (a.length !== b.length) throw new Error(`output ${name}: ${a.length} vs ${b.length} elements`);
    for (let i = 0; i < a.length; ++i) {
      ++elements;
      if (!Object.is(a[i], b[i])) {
        ++mismatches;
        maxDiff = Math.max(maxDiff, Math.abs(Number(a[i]) - Number(b[i])));
      }
    }
  }
  console.log(JSON.stringify({outputs: pipeline.outputs.length, elements, mismatches, max_abs_diff: maxDiff}));
  process.exit(mismatches === 0 && elements > 0 ? 0 : 1);
})().catch((e) => {
  console.error(`run_segments: ${e.message}`);
  process.exit(2);
});
