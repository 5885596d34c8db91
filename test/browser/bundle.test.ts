/**
 * The browser build never touches Node: the bundles import nothing but each
 * other and onnxruntime-web's file beside them, and no module the browser
 * entry reaches imports a `node:` module or the Node-only folders.
 */
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureWebBuild, ROOT, WEB_DIR } from './helpers.js';

/** Module specifiers of static imports/exports, dynamic import() and require() calls in JavaScript or TypeScript text. */
function specifiers(code: string): string[] {
  const found: string[] = [];
  const patterns = [
    /(?:^|[;\s}])import\s*(?:type\s+)?(?:[\w*${}\s,]+?\s*from\s*)?["']([^"']+)["']/g,
    /(?:^|[;\s}])export\s*(?:type\s+)?(?:\*(?:\s+as\s+\w+)?|\{[^}]*\})\s*from\s*["']([^"']+)["']/g,
    /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g,
    /\brequire\s*\(\s*["']([^"']+)["']\s*\)/g,
  ];
  for (const re of patterns) for (const m of code.matchAll(re)) found.push(m[1]!);
  return found;
}

/** The code without block comments and whole-line // comments (bundled libraries quote require() calls in their docs). */
function withoutComments(code: string): string {
  return code.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
}

const NODE_BUILTINS = /^(node:|fs$|path$|os$|url$|module$|crypto$|child_process$|worker_threads$|http$|net$|util$|stream$|buffer$)/;

describe('the browser bundles', () => {
  beforeAll(async () => {
    await ensureWebBuild();
  });

  it('edgetune.js imports only onnxruntime-web, from the file beside it', async () => {
    const code = await fs.readFile(path.join(WEB_DIR, 'edgetune.js'), 'utf8');
    expect([...new Set(specifiers(withoutComments(code)))]).toEqual(['./ort.all.min.mjs']);
    expect(code).not.toMatch(/["']node:[a-z_]+["']/);
  });

  it('demo.js imports only ./edgetune.js', async () => {
    const code = await fs.readFile(path.join(WEB_DIR, 'demo.js'), 'utf8');
    expect([...new Set(specifiers(withoutComments(code)))]).toEqual(['./edgetune.js']);
    expect(code).not.toMatch(/["']node:[a-z_]+["']/);
  });

  it('ships the page and the onnxruntime-web files it loads', () => {
    for (const f of ['index.html', 'styles.css', 'digits.bin', 'ort.all.min.mjs', 'ort-wasm-simd-threaded.jsep.mjs', 'ort-wasm-simd-threaded.jsep.wasm']) {
      expect(existsSync(path.join(WEB_DIR, f)), f).toBe(true);
    }
  });

  it('the specifier scan finds what it should (so the checks above can fail)', () => {
    const code = `import a from "node:fs"; import {b} from './x.js'; export * from "y"; const c = require('path'); await import("z");\n/* require("./doc.js") */\n  // import "w"`;
    expect(specifiers(withoutComments(code)).sort()).toEqual(['./x.js', 'node:fs', 'path', 'y', 'z']);
  });
});

describe('the browser entry source', () => {
  it('reaches no Node module and nothing under src/node or src/cli', async () => {
    const seen = new Set<string>();
    const bad: string[] = [];
    const visit = async (file: string): Promise<void> => {
      if (seen.has(file)) return;
      seen.add(file);
      const code = withoutComments(await fs.readFile(file, 'utf8'));
      for (const s of specifiers(code)) {
        if (NODE_BUILTINS.test(s)) bad.push(`${path.relative(ROOT, file)} imports ${s}`);
        if (!s.startsWith('.')) continue;
        const target = path.resolve(path.dirname(file), s.replace(/\.js$/, '.ts'));
        const rel = path.relative(ROOT, target);
        if (rel.startsWith(`src${path.sep}node`) || rel.startsWith(`src${path.sep}cli`)) bad.push(`${path.relative(ROOT, file)} imports ${rel}`);
        await visit(target);
      }
    };
    await visit(path.join(ROOT, 'src/web/index.ts'));
    await visit(path.join(ROOT, 'src/web/demo-app.ts'));
    expect(bad).toEqual([]);
    expect(seen.size).toBeGreaterThan(30);
  });
});
