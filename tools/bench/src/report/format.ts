/** Human-readable duration from nanoseconds (3 significant digits). */
export function formatNs(ns: number | null): string {
  if (ns === null || !Number.isFinite(ns)) return '–';
  const units: Array<[number, string]> = [
    [1e9, 's'],
    [1e6, 'ms'],
    [1e3, 'µs'],
  ];
  for (const [scale, unit] of units) if (ns >= scale) return `${sig3(ns / scale)} ${unit}`;
  return `${sig3(ns)} ns`;
}

/** A ratio as "12.3x" (3 significant digits). */
export function formatRatio(r: number | null): string {
  if (r === null || !Number.isFinite(r)) return '–';
  return `${sig3(r)}x`;
}

/** A byte count as B / KiB / MiB. */
export function formatBytes(b: number | null): string {
  if (b === null || !Number.isFinite(b)) return '–';
  if (Math.abs(b) >= 1 << 20) return `${sig3(b / (1 << 20))} MiB`;
  if (Math.abs(b) >= 1024) return `${sig3(b / 1024)} KiB`;
  return `${Math.round(b)} B`;
}

/** A count with a k / M suffix (1000 -> "1k", 1000000 -> "1M"). */
export function formatCount(n: number): string {
  if (n >= 1e6 && n % 1e6 === 0) return `${n / 1e6}M`;
  if (n >= 1e3 && n % 1e3 === 0) return `${n / 1e3}k`;
  return String(n);
}

/** Percentage with no decimals ("±12%"). */
export function formatSpread(rel: number | null): string {
  if (rel === null || !Number.isFinite(rel)) return '–';
  return `±${Math.round((rel * 100) / 2)}%`;
}

function sig3(x: number): string {
  if (x === 0) return '0';
  const digits = Math.max(0, 2 - Math.floor(Math.log10(Math.abs(x))));
  return x.toFixed(Math.min(digits, 3));
}
