/** `edgetune inspect <model> [--json]`: what a model holds and needs. */
import { GraphView } from '../graph/graph.js';
import { dtypeName } from '../onnx/dtypes.js';
import { tensorDims } from '../onnx/tensor-codec.js';
import { num } from '../onnx/types.js';
import { loadModelFile } from '../node/model-file.js';
import type { OnnxModel } from '../model.js';
import { trainingReport, type TrainingReport } from '../grad/training-report.js';
import { parse, shapeStr, UsageError } from './common.js';

export const inspectUsage = 'usage: edgetune inspect <model.onnx> [--json] [--nodes] (--nodes lists every node: name, op, inputs, outputs)';

export function describeModel(m: OnnxModel): Record<string, unknown> {
  const g = m.graph;
  const histogram: Record<string, number> = {};
  for (const n of g.node) {
    const key = n.domain ? `${n.domain}.${n.op_type}` : n.op_type ?? '';
    histogram[key] = (histogram[key] ?? 0) + 1;
  }
  new GraphView(g, m.file);
  const initializers = g.initializer.map((t) => {
    const dims = tensorDims(t);
    return { name: t.name ?? '', dtype: dtypeName(t.data_type), shape: dims, size: dims.reduce((a, b) => a * b, 1), external: t.data_location === 1 };
  });
  return {
    file: m.file,
    irVersion: num(m.proto.ir_version),
    producer: [m.proto.producer_name, m.proto.producer_version].filter(Boolean).join(' '),
    opsets: m.proto.opset_import.map((o) => ({ domain: o.domain || 'ai.onnx', version: num(o.version) })),
    inputs: m.inputs.map((s) => ({ name: s.name, dtype: dtypeName(s.elemType), shape: s.dims ?? null })),
    outputs: m.outputs.map((s) => ({ name: s.name, dtype: dtypeName(s.elemType), shape: s.dims ?? null })),
    nodes: g.node.length,
    ops: Object.fromEntries(Object.entries(histogram).sort((a, b) => b[1] - a[1])),
    initializers,
    parameters: initializers.reduce((a, t) => a + t.size, 0),
    functions: m.proto.functions.map((f) => ({ domain: f.domain ?? '', name: f.name ?? '', injected: m.injected.includes(f.name ?? '') && f.domain === 'edgetune' })),
    metadata: Object.fromEntries(m.proto.metadata_props.map((p) => [p.key ?? '', p.value ?? ''])),
    training: trainingReport(m),
  };
}

function trainingText(t: TrainingReport): string[] {
  const lines = [`  training (loss on output '${t.output}'):`];
  const size = t.parameters.length;
  lines.push(`    parameters: ${size} (weights, biases and scales feeding parameter inputs; trained by default)`);
  if (t.missing.length > 0) {
    const types = [...new Set(t.missing.map((m) => m.opType))];
    const blocked = new Set(t.missing.flatMap((m) => m.blocks)).size;
    lines.push(`    blocked: no gradient rule for ${types.join(', ')} (${t.missing.length} node${t.missing.length === 1 ? '' : 's'}, first ${t.missing[0]!.node}); ${blocked} parameter${blocked === 1 ? '' : 's'} blocked`);
  } else if (t.problem) {
    lines.push(`    blocked: ${t.problem}`);
  } else {
    lines.push(`    trainable: ${t.trainable.length} of ${size} reach the output through ops that all have gradient rules`);
  }
  if (t.tied.length > 0) lines.push(`    tied (one tensor, several uses; --untie gives each use its own copy): ${t.tied.join(', ')}`);
  if (t.constants.length > 0) lines.push(`    stored in Constant nodes (trained and written back there): ${t.constants.join(', ')}`);
  if (t.resolvedIfs.length > 0) lines.push(`    If nodes with a stored condition (trained through their branch): ${t.resolvedIfs.join(', ')}`);
  return lines;
}

/** Every node of the main graph: the names --train-after and --head-node take. */
function nodeList(m: OnnxModel): { name: string; op: string; inputs: string[]; outputs: string[] }[] {
  const view = new GraphView(m.graph, m.file);
  return view.nodes.map((n) => ({ name: n.name, op: n.domain ? `${n.domain}.${n.opType}` : n.opType, inputs: [...n.inputs], outputs: [...n.outputs] }));
}

function text(d: Record<string, unknown>): string {
  const lines: string[] = [];
  const ins = d.inputs as { name: string; dtype: string; shape: (number | string)[] | null }[];
  const outs = d.outputs as typeof ins;
  const inits = d.initializers as { name: string; dtype: string; shape: number[]; size: number; external: boolean }[];
  const fns = d.functions as { domain: string; name: string; injected: boolean }[];
  lines.push(`${d.file}`);
  lines.push(`  IR version ${d.irVersion}${d.producer ? `, produced by ${d.producer}` : ''}`);
  lines.push(`  opsets: ${(d.opsets as { domain: string; version: number }[]).map((o) => `${o.domain} ${o.version}`).join(', ')}`);
  lines.push('  inputs:');
  for (const i of ins) lines.push(`    ${i.name}: ${i.dtype} ${shapeStr(i.shape ?? undefined)}`);
  lines.push('  outputs:');
  for (const o of outs) lines.push(`    ${o.name}: ${o.dtype} ${shapeStr(o.shape ?? undefined)}`);
  lines.push(`  ops (${d.nodes} nodes): ${Object.entries(d.ops as Record<string, number>).map(([k, v]) => `${k}×${v}`).join(', ')}`);
  lines.push(`  initializers (${inits.length}, ${d.parameters} values):`);
  const w = Math.max(4, ...inits.map((t) => t.name.length));
  for (const t of inits) lines.push(`    ${t.name.padEnd(w)}  ${t.dtype.padEnd(8)} ${shapeStr(t.shape).padEnd(16)} ${String(t.size).padStart(9)}${t.external ? '  (external)' : ''}`);
  if (fns.length > 0) {
    lines.push('  custom ops (model-local functions):');
    for (const f of fns) lines.push(`    ${f.domain}.${f.name}${f.injected ? '  (definition added at load)' : ''}`);
  }
  lines.push(...trainingText(d.training as TrainingReport));
  const nodes = d.nodeList as ReturnType<typeof nodeList> | undefined;
  if (nodes) {
    lines.push(`  nodes (${nodes.length}, in file order: name  op  inputs -> outputs):`);
    for (const n of nodes) lines.push(`    ${n.name}  ${n.op}  ${n.inputs.map((i) => i || '∅').join(', ')} -> ${n.outputs.join(', ')}`);
  }
  const meta = Object.entries(d.metadata as Record<string, string>);
  if (meta.length > 0) {
    lines.push('  metadata:');
    for (const [k, v] of meta) lines.push(`    ${k}: ${v.length > 100 ? v.slice(0, 100) + '…' : v}`);
  }
  return lines.join('\n');
}

export async function inspectCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, { json: { type: 'boolean' }, nodes: { type: 'boolean' } }, inspectUsage);
  if (positionals.length !== 1) throw new UsageError(inspectUsage);
  const m = await loadModelFile(positionals[0]!);
  const d = describeModel(m);
  if (values.nodes) d.nodeList = nodeList(m);
  process.stdout.write((values.json ? JSON.stringify(d, null, 2) : text(d)) + '\n');
}
