import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseNpy } from '../../src/io/npy.js';
import { f32, floats, i64, LENET5, runCli, tempFolder, writeNpyFile } from './run-cli.js';

describe('edgetune grad on both backward paths', () => {
  const tmp = tempFolder();
  afterAll(() => tmp.remove());

  it('gives the same manifest and gradients with --backward compiled as with typescript', async () => {
    const x = writeNpyFile(tmp.file('x.npy'), f32([3, 1, 28, 28], floats(3, 3 * 784, 0, 1)));
    const t = writeNpyFile(tmp.file('t.npy'), i64([3], [4, 0, 9]));
    const results: Record<string, { loss: number; gradients: Record<string, string> }> = {};
    for (const backward of ['typescript', 'compiled']) {
      const out = tmp.file(`out-${backward}`);
      const r = await runCli(['grad', LENET5, '--input', `input=${x}`, '--target', t, '--loss', 'cross-entropy', '--out', out, '--backward', backward]);
      expect(r.code, r.stderr).toBe(0);
      results[backward] = JSON.parse(readFileSync(path.join(out, 'manifest.json'), 'utf8'));
    }
    const ts = results.typescript!, compiled = results.compiled!;
    expect(Object.keys(compiled.gradients)).toEqual(Object.keys(ts.gradients));
    expect(Math.abs(compiled.loss - ts.loss)).toBeLessThan(1e-5);
    for (const [name, file] of Object.entries(ts.gradients)) {
      const a = parseNpy(readFileSync(path.join(tmp.file('out-typescript'), file))).data as Float32Array;
      const b = parseNpy(readFileSync(path.join(tmp.file('out-compiled'), compiled.gradients[name]!))).data as Float32Array;
      let scale = 1e-6, err = 0;
      for (let i = 0; i < a.length; i++) scale = Math.max(scale, Math.abs(a[i]!));
      for (let i = 0; i < a.length; i++) err = Math.max(err, Math.abs(a[i]! - b[i]!));
      expect(err / scale, name).toBeLessThanOrEqual(1e-4);
    }
  });
});
