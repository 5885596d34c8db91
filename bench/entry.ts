/**
 * What the bench's runnable scripts share: whether a module is the script
 * node was started with, and reading `--name value` flags.
 */
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

/** Whether the module at `moduleUrl` (its import.meta.url) is the script node runs. */
export function isEntryPoint(moduleUrl: string): boolean {
  const script = process.argv[1];
  return script !== undefined && moduleUrl === pathToFileURL(path.resolve(script)).href;
}

/** The value after `name` in argv, or `dflt` when the flag is absent. */
export function flag(argv: readonly string[], name: string, dflt: string): string {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] ?? dflt : dflt;
}
