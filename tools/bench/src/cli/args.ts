import { parseArgs } from 'node:util';

/** Parsed command line of the bench binary. */
export interface BenchArgs {
  readonly quick: boolean;
  readonly json: string | null;
  readonly only: readonly string[];
  /** VMA counts to run the per-N rows at (all of the run's when empty). */
  readonly ns: readonly number[];
  readonly writeDocs: boolean;
  readonly skipMemory: boolean;
  /** Render from a saved --json file instead of running. */
  readonly fromJson: string | null;
  readonly help: boolean;
}

/** A command-line error (unknown option, missing value). */
export class UsageError extends Error {
  readonly code = 'USAGE' as const;
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const USAGE = `usage: bench [--quick] [--json FILE] [--only ROW[,ROW...]] [--n N[,N...]] [--write-docs] [--no-memory]

  --quick        N up to 10k VMAs and 3 samples per cell (what quick CI-like runs use)
  --json FILE    also write the results as JSON
  --only ROW     run only these rows (repeatable or comma-separated)
  --n N          run the per-N rows only at these VMA counts of the run (1000, 10000, 100000, 1000000; 1k and 1M work too)
  --write-docs   regenerate docs/benchmarks.md and docs/benchmarks/*.svg from this run
  --no-memory    skip the heap measurement
  --from-json F  do not run: render the table (and docs with --write-docs) from a saved --json file
`;

/** Parses argv (without node and the script). A leading "--" (as pnpm passes it) is ignored. */
export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  const args = argv[0] === '--' ? argv.slice(1) : [...argv];
  let parsed;
  try {
    parsed = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        quick: { type: 'boolean', default: false },
        json: { type: 'string' },
        only: { type: 'string', multiple: true },
        n: { type: 'string', multiple: true },
        'write-docs': { type: 'boolean', default: false },
        'no-memory': { type: 'boolean', default: false },
        'from-json': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const v = parsed.values;
  const only = (v.only ?? []).flatMap((s) => s.split(',')).map((s) => s.trim()).filter((s) => s.length > 0);
  if (v.json !== undefined && v.json.length === 0) throw new UsageError('--json needs a file name');
  const ns = (v.n ?? []).flatMap((s) => s.split(',')).map((s) => s.trim()).filter((s) => s.length > 0).map(parseCount);
  return {
    quick: v.quick === true,
    json: v.json ?? null,
    only,
    ns,
    writeDocs: v['write-docs'] === true,
    skipMemory: v['no-memory'] === true,
    fromJson: v['from-json'] ?? null,
    help: v.help === true,
  };
}

/** A VMA count: digits, or digits with a k or M suffix (1k, 1M). */
function parseCount(text: string): number {
  const m = /^(\d+)([kKmM]?)$/.exec(text);
  const n = m ? Number(m[1]) * (m[2] === '' ? 1 : m[2] === 'k' || m[2] === 'K' ? 1_000 : 1_000_000) : NaN;
  if (!Number.isSafeInteger(n) || n <= 0) throw new UsageError(`--n: bad VMA count ${JSON.stringify(text)}`);
  return n;
}
