import { describe, expect, it } from 'vitest';
import { learningRate, ScheduleError, type Schedule } from '../../src/train/schedules.js';

describe('learningRate', () => {
  it('constant returns the base rate at every step', () => {
    for (const s of [0, 1, 999]) expect(learningRate(0.01, { kind: 'constant' }, s)).toBe(0.01);
  });

  it('linear warm-up ramps base*(step+1)/W, then hands over to the schedule', () => {
    const sched: Schedule = { kind: 'constant', warmupSteps: 4 };
    const expected = [0.025, 0.05, 0.075, 0.1, 0.1, 0.1];
    [0, 1, 2, 3, 4, 10].forEach((s, k) => expect(learningRate(0.1, sched, s)).toBeCloseTo(expected[k]!, 15));
    expect(learningRate(0.1, sched, 3)).toBe(0.1);
  });

  it('step decay multiplies by gamma every stepSize steps', () => {
    const sched: Schedule = { kind: 'step', stepSize: 10, gamma: 0.5 };
    expect([0, 9, 10, 19, 25, 30].map((s) => learningRate(1, sched, s))).toEqual([1, 1, 0.5, 0.5, 0.25, 0.125]);
  });

  it('step decay counts from the end of warm-up', () => {
    const sched: Schedule = { kind: 'step', stepSize: 10, gamma: 0.1, warmupSteps: 5 };
    expect(learningRate(2, sched, 0)).toBeCloseTo(0.4, 12);
    expect(learningRate(2, sched, 5)).toBe(2);
    expect(learningRate(2, sched, 14)).toBe(2);
    expect(learningRate(2, sched, 15)).toBeCloseTo(0.2, 12);
  });

  it('cosine decays from base to minLr over totalSteps and stays there', () => {
    const sched: Schedule = { kind: 'cosine', totalSteps: 100 };
    expect(learningRate(1, sched, 0)).toBe(1);
    // (1 + cos(pi/4))/2 = 0.8535533905932737
    expect(learningRate(1, sched, 25)).toBeCloseTo(0.8535533905932737, 12);
    expect(learningRate(1, sched, 50)).toBeCloseTo(0.5, 12);
    expect(learningRate(1, sched, 100)).toBeCloseTo(0, 12);
    expect(learningRate(1, sched, 150)).toBeCloseTo(0, 12);
  });

  it('cosine honours minLr', () => {
    const sched: Schedule = { kind: 'cosine', totalSteps: 100, minLr: 0.1 };
    expect(learningRate(1, sched, 50)).toBeCloseTo(0.55, 12);
    expect(learningRate(1, sched, 100)).toBeCloseTo(0.1, 12);
    expect(learningRate(1, sched, 500)).toBeCloseTo(0.1, 12);
  });

  it('cosine with warm-up spans totalSteps including the warm-up', () => {
    const sched: Schedule = { kind: 'cosine', totalSteps: 110, warmupSteps: 10 };
    expect(learningRate(1, sched, 0)).toBeCloseTo(0.1, 12);
    expect(learningRate(1, sched, 9)).toBe(1);
    expect(learningRate(1, sched, 10)).toBe(1);
    expect(learningRate(1, sched, 60)).toBeCloseTo(0.5, 12);
    expect(learningRate(1, sched, 110)).toBeCloseTo(0, 12);
  });

  it('rejects invalid arguments with ScheduleError', () => {
    expect(() => learningRate(0.1, { kind: 'constant' }, -1)).toThrow(ScheduleError);
    expect(() => learningRate(0.1, { kind: 'constant' }, 1.5)).toThrow(/step/);
    expect(() => learningRate(-0.1, { kind: 'constant' }, 0)).toThrow(/base/);
    expect(() => learningRate(0.1, { kind: 'step', stepSize: 0, gamma: 0.5 }, 3)).toThrow(/stepSize/);
    expect(() => learningRate(0.1, { kind: 'cosine', totalSteps: 10, warmupSteps: 10 }, 10)).toThrow(/warmupSteps/);
    expect(() => learningRate(0.1, { kind: 'constant', warmupSteps: -2 }, 0)).toThrow(/warmupSteps/);
    expect(() => learningRate(0.1, { kind: 'linear' } as unknown as Schedule, 0)).toThrow(/unknown schedule kind 'linear'/);
  });
});
