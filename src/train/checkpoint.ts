/**
 * Checkpoints: one safetensors file per save holding every trained weight,
 * every optimizer slot (`<param>::<slot>`) and, in its metadata, the step,
 * epoch, position in the epoch, the RNG state at the start of the epoch and
 * the optimizer step counts. Files are written atomically and named
 * `checkpoint-<step>.safetensors`; loading takes the newest one that parses
 * and says which damaged ones it skipped.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { FileError } from '../errors.js';
import { encodeSafetensors, parseSafetensors, type SafeTensor } from '../io/safetensors.js';
import { makeFolder, readFileBytes, writeFileAtomic } from '../node/files.js';
import type { CheckpointStore } from './fit.js';
import type { OptimizerState } from './optimizers/index.js';
import type { TrainingState } from './training-state.js';

export type { TrainingState };

const PREFIX = 'checkpoint-';
const RUNNING = 'edgetune.running/';
const SUFFIX = '.safetensors';

export function encodeCheckpoint(s: TrainingState, dims: Map<string, number[]>): Uint8Array {
  const tensors = new Map<string, SafeTensor>();
  const optSteps: Record<string, number> = {};
  for (const [name, w] of s.weights) tensors.set(name, { dtype: 'F32', shape: dims.get(name) ?? [w.length], data: w });
  for (const [name, st] of s.optimizer) {
    optSteps[name] = st.step;
    for (const [slot, v] of Object.entries(st.slots)) tensors.set(`${name}::${slot}`, { dtype: 'F32', shape: dims.get(name) ?? [v.length], data: v });
  }
  for (const [name, r] of s.running ?? []) tensors.set(`${RUNNING}${name}`, { dtype: 'F32', shape: [r.length], data: r });
  return encodeSafetensors(tensors, {
    format: 'edgetune-checkpoint-1',
    state: JSON.stringify({ step: s.step, epoch: s.epoch, batchInEpoch: s.batchInEpoch, rngState: s.rngState, optSteps, config: s.config, params: [...s.weights.keys()] }),
  });
}

export function decodeCheckpoint(bytes: Uint8Array, file: string): TrainingState {
  const { tensors, metadata } = parseSafetensors(bytes, file);
  if (metadata.format !== 'edgetune-checkpoint-1' || !metadata.state) throw new FileError(file, 'is not an edgetune checkpoint');
  const st = JSON.parse(metadata.state) as { step: number; epoch: number; batchInEpoch: number; rngState: number[]; optSteps: Record<string, number>; config: string; params: string[] };
  const weights = new Map<string, Float32Array>();
  const optimizer = new Map<string, OptimizerState>();
  for (const p of st.params) {
    const w = tensors.get(p);
    if (!w || !(w.data instanceof Float32Array)) throw new FileError(file, `checkpoint lacks weights of '${p}'`);
    weights.set(p, w.data);
    optimizer.set(p, { step: st.optSteps[p] ?? 0, slots: {} });
  }
  const running = new Map<string, Float32Array>();
  for (const [key, t] of tensors) {
    if (key.startsWith(RUNNING)) {
      if (t.data instanceof Float32Array) running.set(key.slice(RUNNING.length), t.data);
      continue;
    }
    const at = key.lastIndexOf('::');
    if (at < 0) continue;
    const o = optimizer.get(key.slice(0, at));
    if (o && t.data instanceof Float32Array) o.slots[key.slice(at + 2)] = t.data;
  }
  return { step: st.step, epoch: st.epoch, batchInEpoch: st.batchInEpoch, rngState: st.rngState, weights, optimizer, config: st.config, ...(running.size > 0 ? { running } : {}) };
}

export async function saveCheckpoint(dir: string, s: TrainingState, dims: Map<string, number[]>, keep = 2): Promise<string> {
  await makeFolder(dir);
  const file = path.join(dir, `${PREFIX}${String(s.step).padStart(9, '0')}${SUFFIX}`);
  await writeFileAtomic(file, encodeCheckpoint(s, dims));
  const all = (await listCheckpoints(dir)).slice(keep);
  // pruning is housekeeping: a checkpoint that cannot be removed must not stop the training
  for (const old of all) await fs.rm(old, { force: true }).catch(() => undefined);
  return file;
}

/** Checkpoint files in a folder, newest first. */
export async function listCheckpoints(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return [];
  }
  return names.filter((n) => n.startsWith(PREFIX) && n.endsWith(SUFFIX)).sort().reverse().map((n) => path.join(dir, n));
}

/** The newest checkpoint that loads; damaged ones are reported through `warn` and skipped. */
export async function loadLatestCheckpoint(dir: string, warn: (msg: string) => void = () => undefined): Promise<{ file: string; state: TrainingState } | undefined> {
  for (const file of await listCheckpoints(dir)) {
    try {
      return { file, state: decodeCheckpoint(await readFileBytes(file), file) };
    } catch (e) {
      warn(`skipping damaged checkpoint ${file}: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  return undefined;
}

/** A checkpoint folder as a CheckpointStore. */
export function folderCheckpoints(dir: string, keep = 2): CheckpointStore {
  return {
    label: dir,
    save: async (state, dims) => { await saveCheckpoint(dir, state, dims, keep); },
    latest: async (notice) => {
      const found = await loadLatestCheckpoint(dir, notice);
      return found && { label: found.file, state: found.state };
    },
  };
}
