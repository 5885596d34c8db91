/**
 * Natural ("human") name order for class folders and image files: runs of
 * digits compare as numbers, so "2" sorts before "10" and "class2" before
 * "class10", and letters compare without regard to case. The order does not
 * depend on the locale.
 */

/** A name cut into alternating runs of digits and of other characters. */
function runs(s: string): string[] {
  return s.match(/\d+|\D+/g) ?? [];
}

const isDigits = (r: string): boolean => r.charCodeAt(0) >= 48 && r.charCodeAt(0) <= 57;

/** Plain code-unit comparison. */
function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Two digit runs by numeric value, exactly for any length (leading zeros ignored). */
function byNumber(a: string, b: string): number {
  const x = a.replace(/^0+/, '');
  const y = b.replace(/^0+/, '');
  return x.length !== y.length ? x.length - y.length : byCodeUnit(x, y);
}

/**
 * Compares two names in natural order: the names are cut into runs of ASCII
 * digits and of other characters; runs are compared pairwise, two digit runs
 * by numeric value, a digit run before a non-digit run, two non-digit runs by
 * their lower-case code units. A name that is a prefix of the other (run-wise)
 * comes first. Names that are still equal ("a" and "A", "2" and "02") are
 * ordered by plain code units, so the order is total and deterministic.
 */
export function naturalCompare(a: string, b: string): number {
  const ra = runs(a);
  const rb = runs(b);
  const n = Math.min(ra.length, rb.length);
  for (let i = 0; i < n; i++) {
    const x = ra[i]!;
    const y = rb[i]!;
    const dx = isDigits(x);
    const dy = isDigits(y);
    let c: number;
    if (dx && dy) c = byNumber(x, y);
    else if (dx !== dy) c = dx ? -1 : 1;
    else c = byCodeUnit(x.toLowerCase(), y.toLowerCase());
    if (c !== 0) return c < 0 ? -1 : 1;
  }
  if (ra.length !== rb.length) return ra.length < rb.length ? -1 : 1;
  return byCodeUnit(a, b);
}

/** A sorted copy of `names` in natural order (see naturalCompare). */
export function naturalSort(names: readonly string[]): string[] {
  return [...names].sort(naturalCompare);
}
