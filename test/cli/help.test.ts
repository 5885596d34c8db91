/**
 * --help, unknown commands and usage errors, in process and through the
 * built binary as a real process (exit status and streams as a shell sees them).
 */
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseNpy } from '../../src/io/npy.js';
import { buildCli, removeCliBuild, f32, floats, LENET5, lines, runCli, spawnCli, tempFolder, writeNpyFile } from './run-cli.js';

const tmp = tempFolder();
afterAll(() => tmp.remove());

const COMMANDS = ['inspect', 'infer', 'grad', 'gradcheck', 'finetune', 'export'];

/** The command names the main help lists under 'commands:'. */
function listedCommands(help: string): string[] {
  const after = help.split('\ncommands:\n')[1] ?? '';
  return [...after.matchAll(/^ {2}([a-z][a-z-]*)\b/gm)].map((m) => m[1]!);
}

describe('--help', () => {
  it('edgetune --help lists every command and exits 0', async () => {
    for (const flag of ['--help', '-h', 'help']) {
      const r = await runCli([flag]);
      expect(r.code).toBe(0);
      expect(r.stderr).toBe('');
      expect(r.stdout).toMatch(/^edgetune/);
      expect(r.stdout).toMatch(/usage: edgetune <command>/);
      expect(listedCommands(r.stdout)).toEqual(expect.arrayContaining(COMMANDS));
    }
  });

  it('edgetune with no arguments prints the help and exits 2', async () => {
    const r = await runCli([]);
    expect(r.code).toBe(2);
    expect(r.stdout + r.stderr).toMatch(/usage: edgetune <command>/);
  });

  for (const cmd of COMMANDS) {
    it(`edgetune ${cmd} --help prints its usage and exits 0`, async () => {
      for (const flag of ['--help', '-h']) {
        const r = await runCli([cmd, flag]);
        expect(r.code).toBe(0);
        expect(r.stderr).toBe('');
        expect(r.stdout).toMatch(new RegExp(`^usage: edgetune ${cmd} <model\\.onnx>`));
      }
    });
  }

  it('every command the main help lists answers --help', async () => {
    const listed = listedCommands((await runCli(['--help'])).stdout);
    expect(listed.length).toBeGreaterThanOrEqual(COMMANDS.length);
    for (const cmd of listed) {
      const r = await runCli([cmd, '--help']);
      expect(r.code, `edgetune ${cmd} --help: ${r.stderr.split('\n')[0]}`).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`usage: edgetune ${cmd}\\b`));
    }
  });

  it('--help wins over missing flags and files', async () => {
    const r = await runCli(['grad', 'no-such.onnx', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^usage: edgetune grad/);
  });
});

describe('usage errors exit 2', () => {
  it('an unknown command', async () => {
    const r = await runCli(['frobnicate', LENET5]);
    expect(r.code).toBe(2);
    expect(lines(r.stderr)[0]).toBe("edgetune: unknown command 'frobnicate'");
    expect(r.stdout).toBe('');
  });

  const x = tmp.file('x.npy');
  const t = tmp.file('t.npy');
  const out = tmp.file('out');
  const cases: [string, string[], RegExp][] = [
    ['inspect without a model', ['inspect'], /usage: edgetune inspect/],
    ['inspect with two models', ['inspect', LENET5, LENET5], /usage: edgetune inspect/],
    ['infer without --input', ['infer', LENET5, '--out', out], /--input/],
    ['infer with --out lacking its value', ['infer', LENET5, '--input', `input=${x}`, '--out'], /--out/],
    ['grad without --input', ['grad', LENET5, '--target', t, '--loss', 'mse', '--out', out], /--input/],
    ['grad without --target', ['grad', LENET5, '--input', `input=${x}`, '--loss', 'mse', '--out', out], /--target is required/],
    ['grad without --out', ['grad', LENET5, '--input', `input=${x}`, '--target', t, '--loss', 'mse'], /--out is required/],
    ['grad without --loss', ['grad', LENET5, '--input', `input=${x}`, '--target', t, '--out', out], /--loss is required/],
    ['grad with an unknown --loss', ['grad', LENET5, '--input', `input=${x}`, '--target', t, '--loss', 'hinge', '--out', out], /--loss 'hinge'/],
    ['grad with an unknown flag', ['grad', LENET5, '--input', `input=${x}`, '--target', t, '--loss', 'mse', '--out', out, '--bogus'], /--bogus/],
    ['gradcheck with --samples 0', ['gradcheck', LENET5, '--samples', '0'], /--samples/],
    ['gradcheck with --tolerance abc', ['gradcheck', LENET5, '--tolerance', 'abc'], /--tolerance/],
    ['export without --out', ['export', LENET5, '--format', 'safetensors'], /--out is required/],
    ['export with --format onnx', ['export', LENET5, '--format', 'onnx', '--out', out], /--format 'onnx'/],
    ['finetune without --data', ['finetune', LENET5, '--out', out], /--data is required/],
    ['finetune without --out', ['finetune', LENET5, '--data', 'mnist'], /--out is required/],
  ];
  for (const [what, argv, flag] of cases) {
    it(what, async () => {
      const r = await runCli(argv);
      expect(r.code, r.stderr).toBe(2);
      const first = lines(r.stderr)[0] ?? '';
      expect(first).toMatch(new RegExp(`^edgetune ${argv[0]}: `));
      expect(first).toMatch(flag);
      expect(r.stderr).not.toMatch(/^ {4}at /m);
      expect(existsSync(out)).toBe(false);
    });
  }
});

describe('the built binary (node dist/src/cli/bin.js)', () => {
  beforeAll(() => buildCli(), 120_000);
  afterAll(() => removeCliBuild());

  it('--help exits 0; an unknown command exits 2', async () => {
    const help = await spawnCli(['--help']);
    expect(help.code).toBe(0);
    expect(listedCommands(help.stdout)).toEqual(expect.arrayContaining(COMMANDS));
    const unknown = await spawnCli(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(lines(unknown.stderr)[0]).toBe("edgetune: unknown command 'frobnicate'");
  });

  it('a missing flag exits 2 naming it', async () => {
    const r = await spawnCli(['export', LENET5]);
    expect(r.code).toBe(2);
    expect(lines(r.stderr)[0]).toMatch(/--out is required/);
  });

  it('bad input exits 1 with one line on stderr and no stack trace', async () => {
    const missing = tmp.file('no-such-model.onnx');
    const r = await spawnCli(['inspect', missing]);
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toEqual([`edgetune inspect: ${missing}: cannot read (no such file or folder)`]);
    expect(r.stdout).toBe('');
  });

  it('infer on lenet5 exits 0, writes logits.npy and keeps stderr empty', async () => {
    const xFile = writeNpyFile(tmp.file('digit.npy'), f32([2, 1, 28, 28], floats(501, 2 * 784, 0, 1)));
    const out = tmp.file('spawn-out');
    const r = await spawnCli(['infer', LENET5, '--input', `input=${xFile}`, '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/logits: float32 \[2,10\]/);
    expect(parseNpy(new Uint8Array(readFileSync(`${out}/logits.npy`))).shape).toEqual([2, 10]);
  });
});

describe('usage errors are one line and a pointer to --help', () => {
  it('a mistyped flag gets "did you mean"', async () => {
    const r = await runCli(['finetune', LENET5, '--data', 'mnist', '--out', tmp.file('o.onnx'), '--epoch', '3']);
    expect(r.code).toBe(2);
    expect(lines(r.stderr)).toEqual(["edgetune finetune: unknown option --epoch (did you mean --epochs?)", "run 'edgetune finetune --help' for its options"]);
  });

  it('a mistyped command gets "did you mean"', async () => {
    const r = await runCli(['finetun', LENET5]);
    expect(r.code).toBe(2);
    expect(lines(r.stderr)).toEqual(["edgetune: unknown command 'finetun' (did you mean 'finetune'?)", "run 'edgetune --help' for the commands"]);
  });

  it('a negative number is a flag\'s value, checked like any other', async () => {
    const r = await runCli(['finetune', LENET5, '--data', 'mnist', '--out', tmp.file('o.onnx'), '--lr', '-1']);
    expect(r.code).toBe(2);
    expect(lines(r.stderr)[0]).toBe("edgetune finetune: --lr expects a number ≥ 0, got '-1'");
    const v = await runCli(['gradcheck', LENET5, '--tolerance', '-0.5']);
    expect(lines(v.stderr)[0]).toMatch(/--tolerance/);
    expect(lines(v.stderr)[0]).not.toMatch(/ambiguous|Unknown option/i);
  });

  it('a flag without its value says so in one line', async () => {
    const r = await runCli(['export', LENET5, '--out']);
    expect(r.code).toBe(2);
    expect(lines(r.stderr)).toEqual(['edgetune export: --out needs a value', "run 'edgetune export --help' for its options"]);
  });
});
