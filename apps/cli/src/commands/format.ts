/** Byte counts the way people read them: 4 KiB, 1.5 MiB. */
export function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${Number.isInteger(v) ? v : v.toFixed(1).replace(/\.0$/, '')} ${units[u]}`;
}

export function hexAddr(n: number): string {
  return `0x${n.toString(16)}`;
}
