/**
 * `edgetune infer <model> --input <name>=<file.npy> ... [--out <dir>]`: run a model on .npy inputs;
 * `edgetune infer <model> --image <png|jpg> ...`: classify images, printing `<file>: <label> (<probability>)`
 * per image (an array of objects with --json), with the model's stored preprocessing and labels.
 */
import * as path from 'node:path';
import { encodeNpy } from '../io/npy.js';
import { Model } from '../node/model.js';
import { makeFolder, writeFileAtomic } from '../node/files.js';
import type { ClassifyResult } from '../classify.js';
import type { HostTensor } from '../runtime/host-tensor.js';
import { hostToNpy, parse, readFeeds, safeFileNames, shapeStr, str, strs, UsageError } from './common.js';

export const inferUsage = 'usage: edgetune infer <model.onnx> --input <name>=<file.npy> [...] [--out <dir>] [--json]\n       edgetune infer <model.onnx> --image <file.png|jpg> [--image ...] [--json]';

/** Row-wise argmax of a [N,K] float output, or undefined for other shapes. */
export function argmaxRows(t: HostTensor): number[] | undefined {
  if (t.dims.length !== 2 || !(t.data instanceof Float32Array || t.data instanceof Float64Array)) return undefined;
  const [n, k] = t.dims as [number, number];
  const out: number[] = [];
  for (let r = 0; r < n; r++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (t.data[r * k + c]! > t.data[r * k + best]!) best = c;
    out.push(best);
  }
  return out;
}

function summary(name: string, t: HostTensor): string {
  const d = t.data as ArrayLike<number | bigint>;
  const head = Array.from({ length: Math.min(d.length, 6) }, (_, i) => {
    const v = d[i]!;
    return typeof v === 'bigint' ? v.toString() : Number(v).toPrecision(4);
  });
  const lines = [`${name}: ${t.type ?? d.constructor.name.replace('Array', '').toLowerCase()} ${shapeStr(t.dims)}  [${head.join(', ')}${d.length > 6 ? ', …' : ''}]`];
  const am = argmaxRows(t);
  if (am && (t.dims[1] ?? 0) > 1) {
    lines.push(`  argmax per row: ${am.slice(0, 20).join(' ')}${am.length > 20 ? ' …' : ''}`);
  }
  return lines.join('\n');
}

/** A probability as a percentage with one decimal (two below 1%). */
export function percentOf(p: number): string {
  const v = 100 * p;
  return `${v.toFixed(v > 0 && v < 1 ? 2 : 1)}%`;
}

async function classifyImages(model: Model, files: string[], json: boolean): Promise<void> {
  const results: (ClassifyResult & { file: string })[] = [];
  for (const file of files) results.push({ file, ...(await model.classify(file)) });
  if (json) {
    process.stdout.write(JSON.stringify(results.map((r) => ({
      file: r.file, label: r.label, index: r.index, probability: r.probability, probabilities: Array.from(r.probabilities),
    }))) + '\n');
    return;
  }
  for (const r of results) process.stdout.write(`${r.file}: ${r.label} (${percentOf(r.probability)})\n`);
}

export async function inferCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, {
    input: { type: 'string', multiple: true }, image: { type: 'string', multiple: true }, out: { type: 'string' }, json: { type: 'boolean' },
  }, inferUsage);
  if (positionals.length !== 1) throw new UsageError(inferUsage);
  const images = strs(values.image);
  if (images.length > 0 && (strs(values.input).length > 0 || values.out !== undefined)) {
    throw new UsageError(`--image cannot be combined with --input or --out\n${inferUsage}`);
  }
  if (images.length === 0 && strs(values.input).length === 0) throw new UsageError(`--input (<name>=<file.npy>) or --image (<file.png|jpg>) is required\n${inferUsage}`);
  const model = await Model.load(positionals[0]!);
  try {
    if (images.length > 0) { await classifyImages(model, images, values.json === true); return; }
    const feeds = await readFeeds(strs(values.input), model.inputs.map((i) => i.name), Object.fromEntries(model.inputs.map((i) => [i.name, i.elemType])));
    const outputs = await model.run(feeds);
    const outDir = str(values.out);
    const files = safeFileNames(Object.keys(outputs), '.npy');
    if (outDir) {
      await makeFolder(outDir);
      for (const [name, t] of Object.entries(outputs)) await writeFileAtomic(path.join(outDir, files.get(name)!), encodeNpy(hostToNpy(t)));
    }
    if (values.json) {
      const report = Object.fromEntries(Object.entries(outputs).map(([k, t]) => [k, {
        shape: t.dims, file: outDir ? path.join(outDir, files.get(k)!) : null, argmax: argmaxRows(t) ?? null,
      }]));
      process.stdout.write(JSON.stringify(report) + '\n');
    } else {
      for (const [name, t] of Object.entries(outputs)) process.stdout.write(summary(name, t) + '\n');
      if (outDir) process.stdout.write(`wrote ${Object.keys(outputs).length} output(s) to ${outDir}\n`);
    }
  } finally {
    await model.dispose();
  }
}
