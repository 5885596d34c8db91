import { afterAll, describe, expect, it } from 'vitest';
import { f32, floats, i64, LENET5, lines, runCli, smallCnn, tempFolder, writeModelFile, writeNpyFile } from './run-cli.js';

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
    const report = JSON.parse(r.stdout) as { loss: number; ok: boolean; tolerance: number; params: { name: string; maxError: number; checked: number }[] };
    expect(report.ok).toBe(true);
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
});
