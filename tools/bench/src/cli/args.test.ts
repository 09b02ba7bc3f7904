import { describe, expect, it } from 'vitest';
import { parseBenchArgs, UsageError } from './args.js';

describe('parseBenchArgs', () => {
  it('reads the options, ignoring the "--" pnpm passes', () => {
    expect(parseBenchArgs(['--', '--quick', '--json', 'out.json', '--only', 'map_fixed,uffd_copy', '--only', 'swap_in'])).toMatchObject({
      quick: true,
      json: 'out.json',
      only: ['map_fixed', 'uffd_copy', 'swap_in'],
      writeDocs: false,
    });
    expect(parseBenchArgs([])).toMatchObject({ quick: false, json: null, only: [], ns: [], fromJson: null });
    expect(parseBenchArgs(['--n', '1k,1M', '--n', '10000'])).toMatchObject({ ns: [1_000, 1_000_000, 10_000] });
  });

  it('rejects unknown options and missing values with a usage error', () => {
    expect(() => parseBenchArgs(['--fast'])).toThrow(UsageError);
    expect(() => parseBenchArgs(['--json'])).toThrow(UsageError);
    expect(() => parseBenchArgs(['--json', ''])).toThrow(UsageError);
    expect(() => parseBenchArgs(['--n', '1G'])).toThrow(UsageError);
    expect(() => parseBenchArgs(['--n', '0'])).toThrow(UsageError);
  });
});
