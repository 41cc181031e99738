/**
 * Playwright passes typed arrays to `page.evaluate` as plain objects, but the extension
 * posts the detail chart's runs as typed arrays (VS Code hands them to the webview as
 * binary buffers). These helpers mark typed arrays on the Node side so the page can
 * rebuild them before the timed `postMessage`, making the benchmark post what VS Code does.
 */
export interface MarkedTypedArray {
  __typed: 'f64' | 'i32';
  values: number[];
}

export function markTypedArrays(value: unknown): unknown {
  if (value instanceof Float64Array) return { __typed: 'f64', values: Array.from(value) } satisfies MarkedTypedArray;
  if (value instanceof Int32Array) return { __typed: 'i32', values: Array.from(value) } satisfies MarkedTypedArray;
  if (Array.isArray(value)) return value.map(markTypedArrays);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, markTypedArrays(v)]));
  return value;
}

/**
 * The inverse, as source text to run in the page (functions given to `page.evaluate`
 * cannot close over Node-side helpers): defines `window.__reviveTypedArrays`.
 */
export const REVIVE_TYPED_ARRAYS = `window.__reviveTypedArrays = function revive(v) {
  if (Array.isArray(v)) return v.map(revive);
  if (v && typeof v === 'object') {
    if (v.__typed === 'f64') return new Float64Array(v.values);
    if (v.__typed === 'i32') return new Int32Array(v.values);
    const out = {};
    for (const k of Object.keys(v)) out[k] = revive(v[k]);
    return out;
  }
  return v;
}`;
