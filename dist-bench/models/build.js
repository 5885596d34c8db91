/**
 * Builds the shipped example models and writes them as .onnx files:
 *
 *   node dist/models/build.js [outDir]
 *
 * outDir defaults to the repository's models/ folder (found from the compiled
 * file: dist/models/build.js → ../../models). Weights come from a seeded Rng,
 * so every build writes the same bytes. The helpers here are shared by the
 * model builders in this folder.
 */
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { edgetuneFunctions, EDGETUNE_DOMAIN, EDGETUNE_DOMAIN_VERSION } from '../customops/index.js';
import { floatTensor, model, opset } from '../src/onnx/builder.js';
import { encodeModel } from '../src/onnx/model-io.js';
import { writeFileAtomic } from '../src/node/files.js';
/** IR version and default-domain opset of the shipped models. */
export const MODEL_IR_VERSION = 9;
export const MODEL_OPSET = 17;
/**
 * Glorot/Xavier uniform values: each drawn from U(−a, a) with
 * a = √(6 / (fan_in + fan_out)), drawn in order from `rng`.
 */
export function glorotUniform(rng, count, fanIn, fanOut) {
    const a = Math.sqrt(6 / (fanIn + fanOut));
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++)
        out[i] = a * (2 * rng.next() - 1);
    return out;
}
/**
 * A convolution kernel [out, in, kh, kw] with Glorot uniform values, where
 * fan_in = in·kh·kw and fan_out = out·kh·kw (the receptive field counted once
 * per map on each side).
 */
export function convWeight(rng, name, dims) {
    const [o, i, kh, kw] = dims;
    return floatTensor(name, dims, glorotUniform(rng, o * i * kh * kw, i * kh * kw, o * kh * kw));
}
/** A Gemm weight [out, in] (used with transB = 1) with Glorot uniform values. */
export function gemmWeight(rng, name, outFeatures, inFeatures) {
    return floatTensor(name, [outFeatures, inFeatures], glorotUniform(rng, outFeatures * inFeatures, inFeatures, outFeatures));
}
/** A float tensor of `n` copies of `value`. */
export function filled(name, n, value) {
    return floatTensor(name, [n], new Float32Array(n).fill(value));
}
/**
 * Wrap a graph as a shipped model: IR 9, opsets '' 17 and edgetune 1, and the
 * edgetune function definitions included so the file runs on its own.
 */
export function edgetuneModel(g, doc) {
    const m = model(g, {
        irVersion: MODEL_IR_VERSION,
        opsets: [opset('', MODEL_OPSET), opset(EDGETUNE_DOMAIN, EDGETUNE_DOMAIN_VERSION)],
        functions: edgetuneFunctions(MODEL_OPSET),
    });
    m.doc_string = doc;
    return m;
}
/** Every shipped model: file name → encoded bytes. */
export async function buildModels() {
    // Loaded on demand so the model builders can import the helpers above without a cycle.
    const [{ buildLenet5 }, { buildCnn6c2s12c2s }] = await Promise.all([import('./lenet5.js'), import('./cnn-6c2s12c2s.js')]);
    return new Map([
        ['lenet5.onnx', encodeModel(buildLenet5())],
        ['cnn-6c2s12c2s.onnx', encodeModel(buildCnn6c2s12c2s())],
    ]);
}
/** Write every shipped model into `outDir` atomically; returns the paths written. */
export async function writeModels(outDir) {
    const written = [];
    for (const [name, bytes] of await buildModels()) {
        const file = path.join(outDir, name);
        await writeFileAtomic(file, bytes);
        written.push(file);
    }
    return written;
}
/** The repository's models/ folder, seen from the compiled dist/models/build.js. */
export function defaultOutDir() {
    return fileURLToPath(new URL('../../models/', import.meta.url));
}
function isEntryPoint() {
    const script = process.argv[1];
    return script !== undefined && import.meta.url === pathToFileURL(path.resolve(script)).href;
}
if (isEntryPoint()) {
    writeModels(process.argv[2] ?? defaultOutDir()).then((files) => { for (const f of files)
        console.log(`wrote ${f}`); }, (e) => { console.error(e instanceof Error ? e.message : String(e)); process.exitCode = 1; });
}
