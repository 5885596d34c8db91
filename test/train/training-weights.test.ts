/**
 * Where a tuner's weights and optimizer state live between compiled steps:
 * host weights read from the model only when first needed, the first packed
 * flat state taking over from the host arrays (so the weights are not held
 * twice), vectors from the step's allocator, and host arrays cut again from
 * the newest flat state when asked for.
 */
import { describe, expect, it } from 'vitest';
import { slotKey, WEIGHTS_KEY } from '../../src/compile/compiled-step.js';
import { flatLayout } from '../../src/compile/step-graph.js';
import { TrainingWeights } from '../../src/train/training-weights.js';

const dims: Record<string, number[]> = { W: [2, 3], b: [2] };
const layout = flatLayout([['W', 'b']], (p) => dims[p]!);
const initial = () => new Map([['W', Float32Array.from([1, 2, 3, 4, 5, 6])], ['b', Float32Array.from([7, 8])]]);
const states = () => new Map(['W', 'b'].map((p) => [p, { step: 0, slots: { velocity: new Float32Array(dims[p]!.reduce((a, c) => a * c, 1)).fill(0.5) } }]));

function counted(): { read: () => Map<string, Float32Array>; calls: () => number } {
  let n = 0;
  return { read: () => { n++; return initial(); }, calls: () => n };
}

describe('training weights', () => {
  it('reads the host weights from their source only when first asked for, once', () => {
    const src = counted();
    const store = new TrainingWeights(src.read, states(), ['W', 'b'], ['velocity']);
    expect(src.calls()).toBe(0);
    expect([...store.weights.get('W')!]).toEqual([1, 2, 3, 4, 5, 6]);
    store.weights.get('b');
    expect(src.calls()).toBe(1);
  });

  it('packs the first step state into vectors from the allocator, which then stand for the host arrays', () => {
    const src = counted();
    const store = new TrainingWeights(src.read, states(), ['W', 'b'], ['velocity']);
    const given: Float32Array[] = [];
    const state = store.stepState(layout, (n) => { const v = new Float32Array(n); given.push(v); return v; });
    expect(given).toHaveLength(2);
    const w = state.get(WEIGHTS_KEY)!.data as Float32Array;
    expect(w).toBe(given[0]);
    expect([...w.subarray(0, layout.used)]).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(state.get(slotKey('velocity'))!.data).toBe(given[1]);
    // the same vectors feed a step again (a rejected one) without packing anew
    const again = store.stepState(layout, () => { throw new Error('packed twice'); });
    expect(again.get(WEIGHTS_KEY)!.data).toBe(w);
    // host arrays asked for now are cut from the packed vector: equal values, arrays of their own
    const host = store.weights.get('W')!;
    expect([...host]).toEqual([1, 2, 3, 4, 5, 6]);
    expect(host.buffer).not.toBe(w.buffer);
    expect([...store.states.get('b')!.slots.velocity!]).toEqual([0.5, 0.5]);
    expect(src.calls()).toBe(1);
  });

  it('takes an accepted step\'s vectors as the newest state and cuts host arrays from them with the step counts moved on', () => {
    const store = new TrainingWeights(initial(), states(), ['W', 'b'], ['velocity']);
    store.stepState(layout, (n) => new Float32Array(n));
    const next = new Float32Array(layout.total).map((_, i) => i + 10);
    const velocity = new Float32Array(layout.total).fill(2);
    store.acceptHost(new Map([[WEIGHTS_KEY, next], [slotKey('velocity'), velocity]]), layout);
    expect(store.stepState(layout).get(WEIGHTS_KEY)!.data).toBe(next);
    expect([...store.weights.get('b')!]).toEqual([16, 17]);
    expect(store.states.get('W')!.step).toBe(1);
    expect([...store.states.get('W')!.slots.velocity!]).toEqual([2, 2, 2, 2, 2, 2]);
    // a change to the host arrays reaches the next step state
    store.weights.get('W')!.fill(3);
    const packed = store.stepState(layout, (n) => new Float32Array(n)).get(WEIGHTS_KEY)!.data as Float32Array;
    expect([...packed.subarray(0, layout.used)]).toEqual([3, 3, 3, 3, 3, 3, 16, 17]);
  });
});
