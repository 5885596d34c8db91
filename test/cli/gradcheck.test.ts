import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { floatTensor, graph, model, node, opset, valueInfo } from '../../src/onnx/builder.js';
import { DataType } from '../../src/onnx/dtypes.js';
import { f32, floats, i64, LENET5, lines, REPO_ROOT, runCli, smallCnn, tempFolder, writeModelFile, writeNpyFile } from './run-cli.js';

const tmp = tempFolder();
afterAll(() => tmp.remove());

const LENET5_PARAMS = ['C1.weight', 'C1.bias', 'S2.beta', 'S2.bias', 'C3.weight', 'C3.bias', 'S4.beta', 'S4.bias',
  'C5.weight', 'C5.bias', 'F6.weight', 'F6.bias', 'OUT.weight', 'OUT.bias'];

/** The worst error printed on each parameter's line: `  <name>  <error>  (...)`. */
function worstErrors(stdout: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const l of lines(stdout)) {
    const m = /^\s+(\S+)\s+(\d\.\d+e[+-]\d+)\s+\(/.exec(l);
    if (m) out.set(m[1]!, Number(m[2]));
  }
  return out;
}

/** Per parameter line: name, error (or `unchecked`), coordinates checked and skipped at kinks. */
function counts(stdout: string): Map<string, { error: string; checked: number; skipped: number }> {
  const out = new Map<string, { error: string; checked: number; skipped: number }>();
  for (const l of lines(stdout)) {
    const m = /^\s+(\S+)\s+(\S+)\s+\((\d+) coords, (\d+) skipped at kinks[;)]/.exec(l);
    if (m) out.set(m[1]!, { error: m[2]!, checked: Number(m[3]), skipped: Number(m[4]) });
  }
  return out;
}

const TORCH = path.join(REPO_ROOT, 'test', 'fixtures', 'torch');
/** torchvision's resnet18 at reduced width exported by PyTorch 1.13, with its fixed batch and labels. */
const RESNET18 = ['gradcheck', path.join(TORCH, 'resnet18-opset13.onnx'), '--input', `input=${path.join(TORCH, 'resnet18.x.npy')}`,
  '--target', path.join(TORCH, 'resnet18.labels.npy'), '--loss', 'cross-entropy'];

/**
 * X [1,1,1,2] = (1, 2) → Conv (W = 0, B = 0.3, 1×1) → MaxPool (1×2): both
 * pooled values equal B, a tie that any change of W breaks one way or the
 * other (slope 2 above, 1 below), while B moves both alike.
 */
function tieModelFiles(): { model: string; x: string } {
  const g = graph('tie', [
    node('Conv', ['X', 'W', 'B'], ['c'], { kernel_shape: [1, 1] }, { name: 'conv' }),
    node('MaxPool', ['c'], ['Y'], { kernel_shape: [1, 2] }, { name: 'pool' }),
  ], [valueInfo('X', DataType.FLOAT, [1, 1, 1, 2])], [valueInfo('Y', DataType.FLOAT, [1, 1, 1, 1])],
  [floatTensor('W', [1, 1, 1, 1], [0]), floatTensor('B', [1], [0.3])]);
  return {
    model: writeModelFile(tmp.file('tie.onnx'), model(g, { opsets: [opset('', 17)] })),
    x: writeNpyFile(tmp.file('tie-x.npy'), f32([1, 1, 1, 2], [1, 2])),
  };
}

describe('edgetune gradcheck', () => {
  it('lenet5 with random inputs: worst relative error per parameter, exit 0 within tolerance', async () => {
    const r = await runCli(['gradcheck', LENET5, '--samples', '3']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const errors = worstErrors(r.stdout);
    expect([...errors.keys()]).toEqual(LENET5_PARAMS);
    for (const [name, e] of errors) expect(e, name).toBeLessThanOrEqual(1e-2);
    expect(r.stdout).toMatch(/tolerance 0\.05/);
    expect(lines(r.stdout).at(-1)).toBe('ok');
  });

  it('--tolerance 1e-12 fails on lenet5 (float32 cannot meet it): exit 1, one line on stderr', async () => {
    const r = await runCli(['gradcheck', LENET5, '--samples', '2', '--tolerance', '1e-12']);
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(/gradient check failed: worst error \S+ > 1e-12/);
    expect(r.stdout).toMatch(/FAIL/);
    expect(r.stdout).not.toMatch(/^ok$/m);
  });

  it('--json on a small model with given inputs and int64 labels (cross-entropy)', async () => {
    const file = writeModelFile(tmp.file('cnn.onnx'), smallCnn().proto);
    const xFile = writeNpyFile(tmp.file('x.npy'), f32([3, 1, 5, 5], floats(301, 75)));
    const tFile = writeNpyFile(tmp.file('labels.npy'), i64([3], [1, 2, 0]));
    const r = await runCli(['gradcheck', file, '--input', `X=${xFile}`, '--target', tFile, '--loss', 'cross-entropy', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { loss: number; ok: boolean; tolerance: number; skipped: number; unchecked: string[]; params: { name: string; maxError: number; checked: number; skipped: number }[] };
    expect(report.ok).toBe(true);
    expect(report.skipped).toBe(report.params.reduce((s, p) => s + p.skipped, 0));
    expect(report.unchecked).toEqual([]);
    expect(report.tolerance).toBe(0.05);
    expect(report.params.map((p) => p.name)).toEqual(['C1.weight', 'C1.bias', 'F.weight', 'F.bias']);
    // C1.bias has 2 values, F.bias 3: every coordinate is checked; the others are sampled (12 by default)
    expect(report.params.map((p) => p.checked)).toEqual([12, 2, 12, 3]);
    expect(Number.isFinite(report.loss) && report.loss > 0).toBe(true);
  });

  it('--freeze leaves parameters out of the check', async () => {
    const r = await runCli(['gradcheck', LENET5, '--samples', '2', '--freeze', 'C*', '--json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { params: { name: string }[] };
    expect(report.params.map((p) => p.name)).toEqual(LENET5_PARAMS.filter((n) => !n.startsWith('C')));
  });

  it('a torchvision resnet18 with its batch: passes, printing each parameter\'s coordinates skipped at kinks and the total', async () => {
    const r = await runCli(RESNET18);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const c = counts(r.stdout);
    expect(c.size).toBe(62);
    const checked = [...c.values()].reduce((s, p) => s + p.checked, 0);
    const skipped = [...c.values()].reduce((s, p) => s + p.skipped, 0);
    expect(skipped).toBeGreaterThan(0);
    for (const [name, p] of c) {
      expect(p.checked, name).toBeGreaterThan(0);
      expect(Number(p.error), name).toBeLessThanOrEqual(0.05);
    }
    expect(r.stdout).toContain(`${checked} coordinates checked, ${skipped} skipped at kinks`);
    expect(r.stdout).not.toMatch(/not checked/);
    expect(lines(r.stdout).at(-1)).toBe('ok');
  });

  it('--json on resnet18: the skip counts per parameter and in total', async () => {
    const r = await runCli([...RESNET18, '--json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { ok: boolean; skipped: number; unchecked: string[]; params: { name: string; checked: number; skipped: number; step: number }[] };
    expect(report.ok).toBe(true);
    expect(report.params).toHaveLength(62);
    expect(report.skipped).toBeGreaterThan(0);
    expect(report.skipped).toBe(report.params.reduce((s, p) => s + p.skipped, 0));
    expect(report.unchecked).toEqual([]);
    for (const p of report.params) expect(p.step, p.name).toBeGreaterThan(0);
  });

  it('a weight on an exact MaxPool tie is reported unchecked, not passed silently', async () => {
    const files = tieModelFiles();
    const r = await runCli(['gradcheck', files.model, '--input', `X=${files.x}`]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const c = counts(r.stdout);
    // one coordinate, at the step and again at a quarter and a sixteenth of it
    expect(c.get('W')).toEqual({ error: 'unchecked', checked: 0, skipped: 3 });
    expect(c.get('B')?.checked).toBe(1);
    expect(r.stdout).toMatch(/^\s+W\s+unchecked\s.*UNCHECKED$/m);
    expect(r.stdout).toMatch(/^not checked, every drawn coordinate at a kink: W$/m);
    const json = JSON.parse((await runCli(['gradcheck', files.model, '--input', `X=${files.x}`, '--json'])).stdout) as { unchecked: string[] };
    expect(json.unchecked).toEqual(['W']);
  });
});
