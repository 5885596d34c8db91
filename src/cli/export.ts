/** `edgetune export <model> --format safetensors --out <file>`: the float initializers for other runtimes. */
import { writeFileAtomic } from '../node/files.js';
import { loadModelFile } from '../node/model-file.js';
import { floatInitializers, safetensorsBytes } from '../train/export.js';
import { parse, str, UsageError } from './common.js';

export const exportUsage = 'usage: edgetune export <model.onnx> --format safetensors --out <file.safetensors>';

export async function exportCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, { format: { type: 'string' }, out: { type: 'string' } }, exportUsage);
  if (positionals.length !== 1) throw new UsageError(exportUsage);
  const format = str(values.format) ?? 'safetensors';
  if (format !== 'safetensors') throw new UsageError(`--format '${format}' is not supported (safetensors)`);
  const out = str(values.out);
  if (!out) throw new UsageError(`--out is required\n${exportUsage}`);
  const model = await loadModelFile(positionals[0]!);
  await writeFileAtomic(out, safetensorsBytes(model));
  process.stdout.write(`wrote ${floatInitializers(model).size} tensor(s) to ${out}\n`);
}
