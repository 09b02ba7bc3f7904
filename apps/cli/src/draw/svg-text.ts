/** Escapes text for XML content and attribute values. */
export function esc(s: string | number): string {
  return String(s).replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[ch]!);
}

/** A numeric attribute, rounded so output stays small and stable. */
export function n(v: number): string {
  return String(Math.round(v * 10) / 10);
}
