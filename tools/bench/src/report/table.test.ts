import { describe, expect, it } from 'vitest';
import { renderMarkdownTable, renderTable } from './table.js';

describe('renderTable', () => {
  it('aligns columns by code points, right-aligning where asked', () => {
    const out = renderTable(['row', 'time'], [['a', '1 µs'], ['long-row', '10 ms']], ['left', 'right']);
    expect(out).toBe('row        time\n--------  -----\na          1 µs\nlong-row  10 ms\n');
  });

  it('rejects a row with the wrong number of cells', () => {
    expect(() => renderTable(['a', 'b'], [['x']])).toThrow(RangeError);
  });
});

describe('renderMarkdownTable', () => {
  it('renders GFM with alignment and escapes pipes', () => {
    expect(renderMarkdownTable(['a', 'b'], [['x|y', '2']], ['left', 'right'])).toBe('| a | b |\n| --- | ---: |\n| x\\|y | 2 |\n');
  });
});
