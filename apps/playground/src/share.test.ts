import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeState, encodeState, type PageState } from './share.js';

describe('page state in the URL', () => {
  it('round-trips any state, text included (any Unicode)', () => {
    const state = fc.record(
      {
        example: fc.string(),
        text: fc.string({ unit: 'grapheme' }),
        name: fc.string(),
        profile: fc.string(),
        trace: fc.string(),
        step: fc.nat(1e9 - 1),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(state, (s: PageState) => {
        const { state: back, problems } = decodeState(`#${encodeState(s)}`);
        expect(problems).toEqual([]);
        expect(back).toEqual(s);
      }),
    );
  });

  it('drops a malformed part and names it', () => {
    const { state, problems } = decodeState('src=%%%&step=-3&name=x');
    expect(state).toEqual({ name: 'x' });
    expect(problems).toHaveLength(2);
  });
});
