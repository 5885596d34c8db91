/**
 * `edgetune grad`: the loss and its gradient for every trainable initializer,
 * one float32 .npy per parameter and a manifest.json naming them.
 */
import * as path from 'node:path';
import { GradientEngine } from '../grad/engine.js';
import { isLossName, LOSSES, TargetError, type LossName } from '../grad/losses.js';
import { InputError } from '../errors.js';
import { encodeNpy, readNpy } from '../io/npy.js';
import { nodeBackend } from '../node/backend.js';
import { makeFolder, writeFileAtomic } from '../node/files.js';
import { loadModelFile } from '../node/model-file.js';
import { list, npyToHost, parse, readFeeds, safeFileNames, str, strs, UsageError, type Options } from './common.js';

export const gradUsage = `usage: edgetune grad <model.onnx> --input <name>=<file.npy> [...] --target <file.npy>
              --loss mse|cross-entropy|bce-with-logits [--output <name>]
              [--freeze <name|glob>,...] --out <dir> [--backward typescript|compiled] [--json]`;

export const engineFlags: Options = {
  input: { type: 'string', multiple: true },
  target: { type: 'string' },
  loss: { type: 'string' },
  output: { type: 'string' },
  freeze: { type: 'string', multiple: true },
  backward: { type: 'string' },
};

export function backwardFlag(v: unknown): 'compiled' | 'typescript' {
  const s = str(v) ?? 'typescript';
  if (s !== 'compiled' && s !== 'typescript') throw new UsageError(`--backward '${s}' is not one of typescript, compiled`);
  return s;
}

export function lossFlag(v: unknown, dflt?: LossName): LossName {
  const s = str(v);
  if (s === undefined) {
    if (dflt) return dflt;
    throw new UsageError(`--loss is required (${LOSSES.join(', ')})`);
  }
  if (!isLossName(s)) throw new UsageError(`--loss '${s}' is not one of ${LOSSES.join(', ')}`);
  return s;
}

export async function gradCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, { ...engineFlags, out: { type: 'string' }, json: { type: 'boolean' } }, gradUsage);
  if (positionals.length !== 1) throw new UsageError(gradUsage);
  if (strs(values.input).length === 0) throw new UsageError(`--input is required (<name>=<file.npy>)\n${gradUsage}`);
  const targetFile = str(values.target);
  const outDir = str(values.out);
  if (!targetFile) throw new UsageError(`--target is required\n${gradUsage}`);
  if (!outDir) throw new UsageError(`--out is required\n${gradUsage}`);
  const loss = lossFlag(values.loss);
  const model = await loadModelFile(positionals[0]!);
  const feeds = await readFeeds(strs(values.input), model.inputs.map((i) => i.name), Object.fromEntries(model.inputs.map((i) => [i.name, i.elemType])));
  const target = npyToHost(await readNpy(targetFile));
  const output = str(values.output);
  const engine = await GradientEngine.create(model, nodeBackend, {
    loss, frozen: list(values.freeze), ...(output ? { output } : {}), backward: backwardFlag(values.backward),
  });
  try {
    const result = await engine.gradients(feeds, target, engine.currentWeights()).catch((e: unknown) => {
      throw e instanceof TargetError ? new InputError(`${targetFile}: ${e.message}`) : e;
    });
    const files = safeFileNames(engine.params.map((p) => p.name), '.npy');
    await makeFolder(outDir);
    for (const p of engine.params) {
      await writeFileAtomic(path.join(outDir, files.get(p.name)!), encodeNpy({ dtype: 'float32', shape: p.dims, data: result.grads.get(p.name)! }));
    }
    const manifest = { loss: result.loss, gradients: Object.fromEntries(engine.params.map((p) => [p.name, files.get(p.name)!])) };
    await writeFileAtomic(path.join(outDir, 'manifest.json'), new TextEncoder().encode(JSON.stringify(manifest, null, 2) + '\n'));
    process.stdout.write(values.json
      ? `${JSON.stringify({ event: 'done', out: outDir, ...manifest })}\n`
      : `loss ${result.loss.toPrecision(6)}; wrote ${engine.params.length} gradient(s) and manifest.json to ${outDir}\n`);
  } finally {
    await engine.dispose();
  }
}
