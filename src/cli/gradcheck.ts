/**
 * `edgetune gradcheck`: the rules' gradients against central differences
 * through ONNX Runtime, worst error per parameter and the coordinates skipped
 * at ReLU / pooling kinks; exits 1 past tolerance. Inputs and targets not
 * given are drawn at random (symbolic dims = 2).
 */
import { GradientEngine } from '../grad/engine.js';
import { gradcheck, type GradcheckReport } from '../grad/gradcheck.js';
import { TargetError } from '../grad/losses.js';
import { readNpy } from '../io/npy.js';
import { nodeBackend } from '../node/backend.js';
import { loadModelFile } from '../node/model-file.js';
import type { TensorSpec } from '../model.js';
import { DataType, dtypeName } from '../onnx/dtypes.js';
import type { HostTensor } from '../runtime/host-tensor.js';
import { Rng } from '../train/rng.js';
import { EdgetuneError, InputError } from '../errors.js';
import { backwardFlag, engineFlags, lossFlag } from './grad.js';
import { list, npyToHost, number, parse, readFeeds, str, strs, UsageError } from './common.js';

export const gradcheckUsage = `usage: edgetune gradcheck <model.onnx> [--input <name>=<file.npy> ...] [--target <file.npy>]
              [--loss mse|cross-entropy|bce-with-logits] [--output <name>] [--freeze ...]
              [--samples K] [--tolerance T (default 0.05)] [--eps E] [--seed S] [--backward typescript|compiled] [--json]`;

export class GradcheckFailed extends EdgetuneError {
  override name = 'GradcheckFailed';
}

/**
 * The command's default tolerance. Differences of a float32 forward pass
 * cannot resolve a small coordinate's gradient much better than a few percent
 * (rounding grows as ε shrinks, curvature as it grows); a wrong rule — a sign,
 * a missing factor, a transposed kernel — is off by far more.
 */
export const DEFAULT_TOLERANCE = 5e-2;

function randomInput(spec: TensorSpec, rng: Rng): HostTensor {
  if (spec.elemType !== DataType.FLOAT) throw new InputError(`input '${spec.name}' is ${dtypeName(spec.elemType)}: pass it with --input`);
  const dims = (spec.dims ?? []).map((d) => (typeof d === 'number' && d > 0 ? d : 2));
  const data = new Float32Array(dims.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; i++) data[i] = rng.next() * 2 - 1;
  return { dims, data };
}

/**
 * One line per parameter: its worst error (or `unchecked` where every drawn
 * coordinate sat at a kink), how many coordinates were compared and how many
 * were skipped at kinks, and the worst coordinate's two gradients.
 */
export function formatReport(report: GradcheckReport): string {
  const w = Math.max(9, ...report.params.map((p) => p.name.length));
  const out = [`loss ${report.loss.toPrecision(6)}; worst relative error per parameter (tolerance ${report.tolerance}):`];
  for (const p of report.params) {
    const counts = `${p.checked} coords, ${p.skipped} skipped at kinks`;
    if (p.checked === 0) {
      out.push(`  ${p.name.padEnd(w)}  unchecked  (${counts})${p.skipped > 0 ? '  UNCHECKED' : ''}`);
      continue;
    }
    out.push(`  ${p.name.padEnd(w)}  ${p.maxError.toExponential(2)}  (${counts}; worst #${p.worst.index}: rules ${p.worst.analytic.toExponential(4)}, differences ${p.worst.numeric.toExponential(4)})${p.maxError > report.tolerance ? '  FAIL' : ''}`);
  }
  const checked = report.params.reduce((s, p) => s + p.checked, 0);
  out.push(`${checked} coordinates checked, ${report.skipped} skipped at kinks (a ReLU or pooling switch within ± the step)`);
  if (report.unchecked.length > 0) out.push(`not checked, every drawn coordinate at a kink: ${report.unchecked.join(', ')}`);
  return out.join('\n') + '\n';
}

export async function gradcheckCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, {
    ...engineFlags, samples: { type: 'string' }, tolerance: { type: 'string' }, eps: { type: 'string' },
    seed: { type: 'string' }, json: { type: 'boolean' },
  }, gradcheckUsage);
  if (positionals.length !== 1) throw new UsageError(gradcheckUsage);
  const loss = lossFlag(values.loss, 'mse');
  const rng = new Rng(number(values.seed, '--seed', 1, { integer: true }));
  const model = await loadModelFile(positionals[0]!);
  const feeds = await readFeeds(strs(values.input), model.inputs.map((i) => i.name));
  for (const spec of model.inputs) feeds[spec.name] ??= randomInput(spec, rng);
  const output = str(values.output);
  const engine = await GradientEngine.create(model, nodeBackend, { loss, frozen: list(values.freeze), ...(output ? { output } : {}), backward: backwardFlag(values.backward) });
  try {
    let target: HostTensor;
    const targetFile = str(values.target);
    if (targetFile) target = npyToHost(await readNpy(targetFile));
    else {
      const { output: y } = await engine.forward(feeds, engine.currentWeights());
      const n = y.dims[0] ?? 1, k = y.data.length / n;
      target = loss === 'cross-entropy'
        ? { dims: [n], data: BigInt64Array.from({ length: n }, () => BigInt(Math.floor(rng.next() * k))) }
        : { dims: y.dims, data: Float32Array.from({ length: y.data.length }, () => (loss === 'mse' ? rng.next() * 2 - 1 : rng.next() < 0.5 ? 0 : 1)) };
    }
    const eps = values.eps === undefined ? undefined : number(values.eps, '--eps', 0);
    const report = await gradcheck(engine, feeds, target, {
      samples: number(values.samples, '--samples', 12, { integer: true, min: 1 }),
      tolerance: number(values.tolerance, '--tolerance', DEFAULT_TOLERANCE, { min: 0 }),
      seed: number(values.seed, '--seed', 1, { integer: true }),
      ...(eps !== undefined ? { eps } : {}),
    }).catch((e: unknown) => {
      throw e instanceof TargetError && targetFile ? new InputError(`${targetFile}: ${e.message}`) : e;
    });
    if (values.json) process.stdout.write(JSON.stringify(report) + '\n');
    else process.stdout.write(formatReport(report));
    if (!report.ok) throw new GradcheckFailed(`gradient check failed: worst error ${report.maxError.toExponential(2)} > ${report.tolerance}`);
    if (!values.json) process.stdout.write('ok\n');
  } finally {
    await engine.dispose();
  }
}
