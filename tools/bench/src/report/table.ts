/** Column alignment. */
export type Align = 'left' | 'right';

/**
 * Renders a plain-text table with a header rule; numbers are right-aligned by the caller's choice of `align`.
 * Widths count code points so that "µ" and "±" line up.
 */
export function renderTable(headers: readonly string[], rows: readonly (readonly string[])[], align: readonly Align[] = []): string {
  const width = (s: string): number => [...s].length;
  const cols = headers.length;
  for (const r of rows) if (r.length !== cols) throw new RangeError(`row has ${r.length} cells, expected ${cols}`);
  const w = headers.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i]))));
  const pad = (s: string, i: number): string => {
    const fill = ' '.repeat((w[i]) - width(s));
    return align[i] === 'right' ? fill + s : s + fill;
  };
  const line = (cells: readonly string[]): string => cells.map(pad).join('  ').trimEnd();
  return [line(headers), w.map((n) => '-'.repeat(n)).join('  '), ...rows.map(line)].join('\n') + '\n';
}

/** Renders a GitHub-flavoured Markdown table (pipes in cells escaped). */
export function renderMarkdownTable(headers: readonly string[], rows: readonly (readonly string[])[], align: readonly Align[] = []): string {
  const esc = (s: string): string => s.replace(/\|/g, '\\|');
  const out = [`| ${headers.map(esc).join(' | ')} |`, `| ${headers.map((_, i) => (align[i] === 'right' ? '---:' : '---')).join(' | ')} |`];
  for (const r of rows) {
    if (r.length !== headers.length) throw new RangeError(`row has ${r.length} cells, expected ${headers.length}`);
    out.push(`| ${r.map(esc).join(' | ')} |`);
  }
  return out.join('\n') + '\n';
}
