/**
 * Bad input to inspect, infer and grad: exit code 1, exactly one line on
 * stderr naming the file at fault and the problem, no stack trace, and
 * nothing written where --out points.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeNpy } from '../../src/io/npy.js';
import { f32, floats, i64, LENET5, lines, runCli, smallCnn, tempFolder, writeModelFile, writeNpyFile } from './run-cli.js';

const tmp = tempFolder();
afterAll(() => tmp.remove());

const N = 2;
const goodModel = writeModelFile(tmp.file('good.onnx'), smallCnn().proto);
const goodX = writeNpyFile(tmp.file('x.npy'), f32([N, 1, 5, 5], floats(401, N * 25)));
const goodT = writeNpyFile(tmp.file('t.npy'), f32([N, 3], floats(402, N * 3)));

const notOnnx = tmp.file('notes.onnx');
writeFileSync(notOnnx, 'these are plain notes, not a model\n');
const lenetBytes = readFileSync(LENET5);
const truncated = tmp.file('truncated.onnx');
writeFileSync(truncated, lenetBytes.subarray(0, Math.floor(lenetBytes.length / 2)));
const ir99 = writeModelFile(tmp.file('ir99.onnx'), smallCnn({ irVersion: 99 }).proto);
const opset99 = writeModelFile(tmp.file('opset99.onnx'), smallCnn({ opsetVersion: 99 }).proto);
const missingModel = tmp.file('no-such-model.onnx');

const wrongShape = writeNpyFile(tmp.file('x-4x4.npy'), f32([N, 1, 4, 4], floats(403, N * 16)));
const wrongDtype = writeNpyFile(tmp.file('x-int32.npy'), { dtype: 'int32', shape: [N, 1, 5, 5], data: new Int32Array(N * 25) });
const missingNpy = tmp.file('no-such-input.npy');
const corruptNpy = tmp.file('corrupt.npy');
const goodBytes = encodeNpy(f32([N, 1, 5, 5], floats(404, N * 25)));
writeFileSync(corruptNpy, goodBytes.subarray(0, goodBytes.length - 10));
const garbageNpy = tmp.file('garbage.npy');
writeFileSync(garbageNpy, 'x,y\n1,2\n');
const wrongTarget = writeNpyFile(tmp.file('t-wrong.npy'), f32([N, 4], floats(405, N * 4)));
const badLabels = writeNpyFile(tmp.file('labels-7.npy'), i64([N], [1, 7]));

interface Case {
  what: string;
  model?: string;
  x?: string;
  target?: string;
  /** the file the message must name */
  names: string;
  problem: RegExp;
}

const modelCases: Case[] = [
  { what: 'a file that is not ONNX', model: notOnnx, names: notOnnx, problem: /not (a valid )?(an )?ONNX model/i },
  { what: 'a truncated .onnx', model: truncated, names: truncated, problem: /not a valid ONNX model|truncat/i },
  { what: 'IR version 99', model: ir99, names: ir99, problem: /IR version 99/ },
  { what: 'opset 99', model: opset99, names: opset99, problem: /opset 99/ },
  { what: 'a missing model file', model: missingModel, names: missingModel, problem: /no such file/ },
];

const inputCases: Case[] = [
  { what: 'an input with the wrong shape', x: wrongShape, names: goodModel, problem: /input 'X' expects float32 \[N,1,5,5\], got float32 \[2,1,4,4\]/ },
  { what: 'an input of the wrong dtype (int32 for float)', x: wrongDtype, names: goodModel, problem: /input 'X' expects float32 .*got int32/ },
  { what: 'a missing .npy', x: missingNpy, names: missingNpy, problem: /no such file/ },
  { what: 'a truncated .npy', x: corruptNpy, names: corruptNpy, problem: /\.npy header declares shape \(2,1,5,5\)/ },
  { what: 'a file that is not .npy', x: garbageNpy, names: garbageNpy, problem: /not a \.npy file/ },
];

const targetCases: Case[] = [
  { what: 'a missing target', target: missingNpy, names: missingNpy, problem: /no such file/ },
  { what: 'a corrupt target', target: corruptNpy, names: corruptNpy, problem: /\.npy header declares/ },
  { what: 'a target that does not fit the output', target: wrongTarget, names: wrongTarget, problem: /target has 8 values, the output has 2×3/ },
  { what: 'a label outside the classes', target: badLabels, names: badLabels, problem: /label 7 at row 1 is outside 0\.\.2/ },
];

let outCount = 0;

function expectOneLineError(r: { code: number; stdout: string; stderr: string }, c: Case, cmd: string): void {
  const ctx = `${cmd}, ${c.what}: stderr was ${JSON.stringify(r.stderr)}`;
  expect(r.code, ctx).toBe(1);
  expect(lines(r.stderr), ctx).toHaveLength(1);
  expect(r.stderr.endsWith('\n'), ctx).toBe(true);
  expect(r.stderr, ctx).not.toMatch(/^ {4}at /m);
  expect(r.stderr, ctx).toMatch(new RegExp(`^edgetune ${cmd}: `));
  expect(r.stderr, ctx).not.toMatch(/internal error/);
  expect(r.stderr, ctx).toContain(c.names);
  expect(r.stderr, ctx).toMatch(c.problem);
}

describe('bad input: inspect', () => {
  for (const c of modelCases) {
    it(c.what, async () => {
      const r = await runCli(['inspect', c.model!, '--json']);
      expectOneLineError(r, c, 'inspect');
      expect(r.stdout).toBe('');
    });
  }
});

describe('bad input: infer', () => {
  for (const c of [...modelCases, ...inputCases]) {
    it(c.what, async () => {
      const out = tmp.file(`infer-out-${outCount++}`);
      const r = await runCli(['infer', c.model ?? goodModel, '--input', `X=${c.x ?? goodX}`, '--out', out]);
      expectOneLineError(r, c, 'infer');
      expect(existsSync(out), `${c.what}: ${out} was written`).toBe(false);
    });
  }
});

describe('bad input: grad', () => {
  for (const c of [...modelCases, ...inputCases, ...targetCases]) {
    it(c.what, async () => {
      const out = tmp.file(`grad-out-${outCount++}`);
      const r = await runCli(['grad', c.model ?? goodModel, '--input', `X=${c.x ?? goodX}`, '--target', c.target ?? goodT, '--loss', 'mse', '--out', out]);
      expectOneLineError(r, c, 'grad');
      expect(existsSync(out), `${c.what}: ${out} was written`).toBe(false);
    });
  }
});

describe('the good fixtures pass (so the cases above fail for their own reason)', () => {
  it('infer and grad succeed on the good model, input and target', async () => {
    const inferOut = tmp.file('infer-good');
    expect((await runCli(['infer', goodModel, '--input', `X=${goodX}`, '--out', inferOut])).code).toBe(0);
    expect(existsSync(`${inferOut}/logits.npy`)).toBe(true);
    const gradOut = tmp.file('grad-good');
    const r = await runCli(['grad', goodModel, '--input', `X=${goodX}`, '--target', goodT, '--loss', 'mse', '--out', gradOut]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(existsSync(`${gradOut}/manifest.json`)).toBe(true);
  });
});
