/** The edgetune command line: one sub-command per file in this folder. */
import { EdgetuneError, MissingRuleError, printable } from '../errors.js';
import { UsageError } from './common.js';
import { didYouMean } from './suggest.js';

const HELP = `edgetune — fine-tune ONNX convolutional networks on the device

usage: edgetune <command> [options]

commands:
  inspect <model.onnx> [--json]                      IR, opsets, inputs/outputs, ops, initializers, custom ops
  infer <model.onnx> --input <name>=<x.npy> ...      run the model; [--out <dir>] writes <dir>/<output>.npy
  infer <model.onnx> --image <png|jpg> ...           classify images with the model's stored labels and preprocessing
  grad <model.onnx> --input <name>=<x.npy> --target <t.npy> --loss <loss> --out <dir>
                                                     gradients of the loss for every trainable initializer
  gradcheck <model.onnx> [--input ...] [--loss ...]  rule gradients vs central differences through ONNX Runtime
  finetune <model.onnx> --data <mnist|dir> --out <tuned.onnx> [...]
                                                     fine-tune the weights and write them back into the .onnx
                                                     (--new-head: a classifier for the classes in --data)
  export <model.onnx> --format safetensors --out <file>
                                                     write the float initializers for other runtimes
  demo [--port P]                                    serve the in-browser fine-tuning demo on 127.0.0.1

Run 'edgetune <command> --help' for a command's options.`;

type Command = (argv: string[]) => Promise<void>;

const commands: Record<string, () => Promise<{ run: Command; usage: string }>> = {
  inspect: async () => { const m = await import('./inspect.js'); return { run: m.inspectCommand, usage: m.inspectUsage }; },
  infer: async () => { const m = await import('./infer.js'); return { run: m.inferCommand, usage: m.inferUsage }; },
  grad: async () => { const m = await import('./grad.js'); return { run: m.gradCommand, usage: m.gradUsage }; },
  gradcheck: async () => { const m = await import('./gradcheck.js'); return { run: m.gradcheckCommand, usage: m.gradcheckUsage }; },
  finetune: async () => { const m = await import('./finetune.js'); return { run: m.finetuneCommand, usage: m.finetuneUsage }; },
  demo: async () => { const m = await import('./demo.js'); return { run: (argv) => m.demoCommand(argv), usage: m.demoUsage }; },
  export: async () => { const m = await import('./export.js'); return { run: m.exportCommand, usage: m.exportUsage }; },
};

function oneLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return printable(msg.split('\n')[0]!);
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(HELP + '\n');
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    const { readFileSync } = await import('node:fs');
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
    process.stdout.write(`${pkg.version}\n`);
    return 0;
  }
  const loader = commands[name];
  if (!loader) {
    process.stderr.write(`edgetune: unknown command '${printable(name)}'${didYouMean(name, Object.keys(commands), (c) => `'${c}'`)}\nrun 'edgetune --help' for the commands\n`);
    return 2;
  }
  const cmd = await loader();
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(cmd.usage + '\n');
    return 0;
  }
  try {
    await cmd.run(rest);
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`edgetune ${name}: ${e.message.split('\n')[0]}\nrun 'edgetune ${name} --help' for its options\n`);
      return 2;
    }
    if (process.env.EDGETUNE_DEBUG && e instanceof Error) process.stderr.write(`${e.stack}\n`);
    const known = e instanceof EdgetuneError;
    const line = known ? e.message.split('\n')[0]! : `internal error: ${oneLine(e)}`;
    // with --json, a missing-rule error also goes to stdout as a JSON line listing every node the one-line message summarises
    if (rest.includes('--json') && e instanceof MissingRuleError) process.stdout.write(JSON.stringify({ event: 'error', message: line, missing: e.missing }) + '\n');
    process.stderr.write(`edgetune ${name}: ${line}\n`);
    return 1;
  }
}
