/**
 * Lookups keyed by strings that may come from users (series and benchmark names, units,
 * sources read from a history or a harness's output). A plain object answers
 * `toString`, `constructor` or `__proto__` from its prototype, and assigning
 * `__proto__` replaces the prototype; these helpers never do either.
 */

/** A lookup table without a prototype: only the keys put in it are in it. */
export function lookupTable<T>(entries: Readonly<Record<string, T>> = {}): Record<string, T> {
  return Object.assign(Object.create(null) as Record<string, T>, entries);
}

/** `object[key]` when `object` holds `key` itself, else undefined (never an inherited member). */
export function ownValue<T>(object: Readonly<Record<string, T>> | undefined, key: string): T | undefined {
  return object !== undefined && object !== null && Object.prototype.hasOwnProperty.call(object, key) ? object[key] : undefined;
}

/** `object[key] = value` as an own property, even for `__proto__` (which plain assignment turns into a prototype change). */
export function setOwn(object: object, key: string, value: unknown): void {
  Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
}
