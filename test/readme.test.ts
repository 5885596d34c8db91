/**
 * The README's library example, run as written (only the import specifier
 * and the output path are pointed at this checkout), so the docs cannot drift
 * from the code.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

function exampleAfter(heading: string): string {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf(heading));
  const m = /```ts\n([\s\S]*?)```/.exec(section);
  if (!m) throw new Error(`no ts example after '${heading}'`);
  return m[1]!;
}

describe('README', () => {
  it('the library example runs and writes a tuned model that loads', async () => {
    const dir = path.join(ROOT, 'test-artifacts', `readme-${process.pid}`);
    mkdirSync(dir, { recursive: true });
    const out = path.join(dir, 'lenet5-tuned.onnx');
    try {
      const code = exampleAfter('## Library')
        .replace(`from 'edgetune'`, `from '../../src/index.js'`)
        .replace(`'lenet5-tuned.onnx'`, JSON.stringify(out))
        .replace(/console\.log\(/g, 'void (');
      const file = path.join(dir, 'example.ts');
      writeFileSync(file, code);
      await import(file);
      expect(existsSync(out)).toBe(true);
      const { Model } = await import('../src/index.js');
      const tuned = await Model.load(out);
      expect(tuned.onnx.proto.metadata_props.some((p) => p.key === 'edgetune.finetune')).toBe(true);
      await tuned.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
