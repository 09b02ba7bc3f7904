import { Handle } from '@memsim/zircon-objects';

/**
 * The handles carried by a message: {@link Handle} objects reachable through plain objects and arrays (class
 * instances other than handles are opaque, as they would be serialised as data).
 */
export function handlesIn(message: unknown): Handle[] {
  const out: Handle[] = [];
  const seen = new Set<object>();
  const walk = (v: unknown): void => {
    if (typeof v !== 'object' || v === null || seen.has(v)) return;
    seen.add(v);
    if (v instanceof Handle) {
      out.push(v);
      return;
    }
    if (Array.isArray(v)) {
      for (const x of v) walk(x);
      return;
    }
    const proto: unknown = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) return;
    for (const x of Object.values(v)) walk(x);
  };
  walk(message);
  return out;
}
