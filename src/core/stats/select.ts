/**
 * Order statistics without a full sort (Hoare's quickselect), for the hot paths of detection:
 * a median of n values in O(n) on a scratch copy.
 */

/** Rearranges buf[0, n) so that buf[k] holds the k-th smallest; returns it. */
export function selectInPlace(buf: Float64Array, k: number, n = buf.length): number {
  let lo = 0, hi = n - 1;
  while (hi > lo) {
    partition(buf, lo, hi);
    const j = split[0], i = split[1];
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return buf[k];
  }
  return buf[k];
}

/** Where the last partition split its range: [j, i], with buf[lo..j] <= pivot <= buf[i..hi]. */
const split = new Int32Array(2);

/**
 * Hoare partition of buf[lo..hi] around the median of three (which keeps sorted and
 * quantised inputs fast); the split is left in `split`, so that no array is allocated.
 */
function partition(buf: Float64Array, lo: number, hi: number): void {
  const pivot = medianOfThree(buf[lo], buf[(lo + hi) >> 1], buf[hi]);
  let i = lo, j = hi;
  while (i <= j) {
    while (buf[i] < pivot) i++;
    while (buf[j] > pivot) j--;
    if (i <= j) {
      const t = buf[i];
      buf[i] = buf[j];
      buf[j] = t;
      i++;
      j--;
    }
  }
  split[0] = j;
  split[1] = i;
}

/** The middle one of three numbers (no array destructuring: this runs cold, before the JIT). */
function medianOfThree(a: number, b: number, c: number): number {
  if (a > b) {
    const t = a;
    a = b;
    b = t;
  }
  // now a <= b
  if (b > c) b = c;
  return a > b ? a : b;
}

/** Median of values (copied; the input is not touched). */
export function fastMedian(values: ArrayLike<number>, scratch?: Float64Array): number {
  const n = values.length;
  if (n === 0) return NaN;
  const buf = scratch && scratch.length >= n ? scratch : new Float64Array(n);
  for (let i = 0; i < n; i++) buf[i] = values[i];
  const upper = selectInPlace(buf, n >> 1, n);
  if (n % 2) return upper;
  // the lower middle is the largest of the left part after selection
  let lower = -Infinity;
  for (let i = 0; i < n >> 1; i++) if (buf[i] > lower) lower = buf[i];
  return (lower + upper) / 2;
}

/** Scaled MAD (robust sd) around a centre, in O(n). */
export function fastScaledMad(values: ArrayLike<number>, centre = fastMedian(values), scratch?: Float64Array): number {
  const n = values.length;
  if (n === 0) return NaN;
  const buf = scratch && scratch.length >= n ? scratch : new Float64Array(n);
  for (let i = 0; i < n; i++) buf[i] = Math.abs(values[i] - centre);
  return 1.4826 * fastMedian(buf.subarray(0, n), buf);
}

/** In-place ascending sort of a small numeric array (insertion sort below 24, else quicksort). */
export function sortNumbers(buf: Float64Array, lo = 0, hi = buf.length - 1): Float64Array {
  while (hi - lo > 24) {
    partition(buf, lo, hi);
    const j = split[0], i = split[1];
    // recurse into the smaller side, loop on the larger
    if (j - lo < hi - i) {
      sortNumbers(buf, lo, j);
      lo = i;
    } else {
      sortNumbers(buf, i, hi);
      hi = j;
    }
  }
  for (let i = lo + 1; i <= hi; i++) {
    const v = buf[i];
    let j = i - 1;
    while (j >= lo && buf[j] > v) {
      buf[j + 1] = buf[j];
      j--;
    }
    buf[j + 1] = v;
  }
  return buf;
}

/** Median of values[from, to) using `scratch` (at least to - from long) as working space. */
export function medianOfRange(values: ArrayLike<number>, from: number, to: number, scratch: Float64Array): number {
  const n = to - from;
  if (n <= 0) return NaN;
  for (let i = 0; i < n; i++) scratch[i] = values[from + i];
  const upper = selectInPlace(scratch, n >> 1, n);
  if (n % 2) return upper;
  let lower = -Infinity;
  for (let i = 0; i < n >> 1; i++) if (scratch[i] > lower) lower = scratch[i];
  return (lower + upper) / 2;
}
