import { describe, expect, it } from 'vitest';
import { naturalCompare, naturalSort } from '../../../src/train/data/natural-order.js';

describe('naturalCompare', () => {
  it('orders digit runs by value', () => {
    expect(naturalSort(['10', '2', '1', '100', '20'])).toEqual(['1', '2', '10', '20', '100']);
    expect(naturalSort(['class10', 'class2', 'class1'])).toEqual(['class1', 'class2', 'class10']);
    expect(naturalSort(['img12b', 'img12a', 'img2z', 'img1'])).toEqual(['img1', 'img2z', 'img12a', 'img12b']);
    // longer than a double can hold exactly
    expect(naturalSort(['99999999999999999999', '100000000000000000000'])).toEqual(['99999999999999999999', '100000000000000000000']);
  });

  it('ignores case, breaking ties by code units', () => {
    expect(naturalSort(['b', 'C', 'a'])).toEqual(['a', 'b', 'C']);
    expect(naturalSort(['cat', 'Cat', 'CAT'])).toEqual(['CAT', 'Cat', 'cat']);
    expect(naturalSort(['02', '2', '1'])).toEqual(['1', '02', '2']);
  });

  it('puts a prefix first and digits before letters', () => {
    expect(naturalSort(['ab', 'a', 'a1'])).toEqual(['a', 'a1', 'ab']);
    expect(naturalSort(['x', '5'])).toEqual(['5', 'x']);
  });

  it('is a deterministic total order', () => {
    const names = ['a10', 'A2', 'a2', 'a02', 'b', 'B1', '', '10', '9', 'a', 'A'];
    const once = naturalSort(names);
    expect(naturalSort([...names].reverse())).toEqual(once);
    for (const a of names) {
      expect(naturalCompare(a, a)).toBe(0);
      for (const b of names) if (a !== b) expect(naturalCompare(a, b)).toBe(-naturalCompare(b, a));
    }
  });
});
