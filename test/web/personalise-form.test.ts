/** The personalisation page's input checks: the message each bad input gets, and none for good input. */
import { describe, expect, it } from 'vitest';
import { BATCH, checkClasses, checkName, checkNumber, LEARNING_RATE, MAX_CLASSES, STEPS } from '../../src/web/personalise-form.js';

describe('checkNumber', () => {
  it('takes numbers in range and words the rest', () => {
    expect(checkNumber('60', STEPS)).toEqual({ value: 60 });
    expect(checkNumber(' 0.01 ', LEARNING_RATE)).toEqual({ value: 0.01 });
    expect(checkNumber('1', LEARNING_RATE)).toEqual({ value: 1 });
    const steps = { message: 'Steps must be a whole number from 1 to 5000' };
    for (const bad of ['0', '5001', '2.5', '', '  ', 'ten', 'Infinity', 'NaN']) expect(checkNumber(bad, STEPS), bad).toEqual(steps);
    expect(checkNumber('5', LEARNING_RATE)).toEqual({ message: 'Learning rate must be a number from 0.000001 to 1' });
    expect(checkNumber('0', LEARNING_RATE)).toEqual({ message: 'Learning rate must be a number from 0.000001 to 1' });
    expect(checkNumber('257', BATCH)).toEqual({ message: 'Batch must be a whole number from 1 to 256' });
  });
});

describe('checkClasses', () => {
  it('needs 2 or more classes, each named once and holding a picture', () => {
    expect(checkClasses([{ name: 'cat', images: 3 }, { name: 'dog', images: 1 }])).toEqual({ perClass: [undefined, undefined] });
    expect(checkClasses([{ name: 'cat', images: 3 }])).toEqual({ perClass: [undefined], list: 'Add at least 2 classes to train (there is 1)' });
    expect(checkClasses([]).list).toBe('Add at least 2 classes to train (there are 0)');
    expect(checkClasses(Array.from({ length: MAX_CLASSES + 1 }, (_, k) => ({ name: `c${k}`, images: 1 }))).list).toBe(`At most ${MAX_CLASSES} classes`);
    expect(checkClasses([{ name: 'cat', images: 0 }, { name: ' Cat ', images: 2 }, { name: '', images: 1 }]).perClass).toEqual([
      'Add at least one image to this class', "Another class is already called 'Cat'", 'Give this class a name',
    ]);
  });

  it('checkName refuses long names', () => {
    expect(checkName('x'.repeat(41), [])).toBe('A class name has at most 40 characters');
    expect(checkName('x'.repeat(40), [])).toBeUndefined();
  });
});
