/**
 * A YAML value as written in a scenario: strings may hold `${...}` references, resolved when the step runs.
 * @public
 */
export type ScenarioValue =
  | string
  | number
  | boolean
  | null
  | readonly ScenarioValue[]
  | { readonly [key: string]: ScenarioValue };

/**
 * What a step must produce. Every key present must hold; a step without `expect` must succeed.
 * @public
 */
export interface Expectation {
  /** A Zircon status name, `ZX_OK` or `ZX_ERR_*`. */
  readonly status?: string;
  /** `true` for any success, or a value (objects and arrays match as subsets, see the README). */
  readonly ok?: ScenarioValue;
  /** Same as `ok` with a value. */
  readonly value?: ScenarioValue;
  /** A Linux errno name such as `EINVAL`. */
  readonly errno?: string;
  /** With `errno`: a userfaultfd copy/zeropage/move ioctl's result field (bytes done, or the negated errno). */
  readonly done?: number;
  /** A fault signal of a memory access (`SIGSEGV`, `SIGBUS`). */
  readonly signal?: string;
  /** The fault's si_code (`SEGV_MAPERR`, `SEGV_ACCERR`, `BUS_ADRERR`). */
  readonly code?: string;
  /** The faulting address. */
  readonly fault_addr?: ScenarioValue;
  /** A Zircon page-fault kind (`not-mapped`, `access-denied`, `beyond-vmo-size`). */
  readonly fault?: string;
  /** `/proc/self/maps` lines relative to the window (trailing spaces ignored). */
  readonly maps?: readonly string[];
  /** Memory contents as hex (spaces and underscores ignored). */
  readonly bytes?: string;
  /** Every byte read equals this value. */
  readonly fill?: number;
  /** FNV-1a 64 of the bytes, 16 hex digits. */
  readonly hash?: string;
  /** userfaultfd events, each matched as a subset, in order. */
  readonly events?: readonly ScenarioValue[];
}

/** Where a step sits in its file. @public */
export interface SourcePos {
  readonly line: number;
  readonly column: number;
}

/**
 * The kinds of step.
 * @public
 */
export type StepKind = 'zx' | 'linux' | 'access' | 'fork' | 'debug' | 'check';

/**
 * One step of a scenario.
 * @public
 */
export interface Step {
  readonly kind: StepKind;
  /** The call: a Zircon call name, a Linux op name, an access kind, the child's name, or a debug action. */
  readonly call: string;
  readonly args: Readonly<Record<string, ScenarioValue>>;
  /** Name (or field-to-name map) the step's result is bound to. */
  readonly bind?: string | Readonly<Record<string, string>>;
  readonly expect?: Expectation;
  /** Linux: the process (a `fork` child name) that runs the step. */
  readonly in?: string;
  /** Linux: the named thread that runs the step asynchronously. */
  readonly thread?: string;
  readonly note?: string;
  readonly pos: SourcePos;
}

/**
 * Which backends a scenario can run on: `zircon` scenarios run on the model only; `linux` ones on both.
 * @public
 */
export type ScenarioDomain = 'zircon' | 'linux';

/**
 * The upstream test a scenario ports, for suites checked against a project's own tests (`zircon-core`).
 * @public
 */
export interface UpstreamTest {
  /** The public repository the file was read from (a mirror of Fuchsia, `owner/name`). */
  readonly repo: string;
  /** Path of the test file in that repository. */
  readonly file: string;
  /** `Suite.Case`, as the test framework names it. */
  readonly test: string;
  /** The 40-hex commit the case was ported from. */
  readonly revision: string;
  /**
   * Set when a newer Fuchsia revision changed the rule since `revision`: the scenario follows that revision and
   * says how.
   */
  readonly current?: { readonly repo: string; readonly revision: string; readonly note: string };
}

/**
 * A parsed, validated scenario.
 * @public
 */
export interface Scenario {
  readonly name: string;
  readonly suite: string;
  /** Where the expectation comes from: spec section, core test, gVisor/LTP test or seed. */
  readonly source: string;
  /** The upstream test this scenario ports, with its revision (zircon-core). */
  readonly upstream?: UpstreamTest;
  readonly differential: boolean;
  readonly description?: string;
  /** Options for the model's Zircon kernel (seed, aslr, physicalMemoryBytes). */
  readonly kernel?: Readonly<Record<string, ScenarioValue>>;
  /** The model's private anonymous backing design for this case (overrides the runner's). */
  readonly anonBacking?: 'single' | 'per-mapping';
  /** Per-case timeout in ms (overrides the runner's). */
  readonly timeoutMs?: number;
  readonly steps: readonly Step[];
  readonly domain: ScenarioDomain;
  readonly file: string;
  readonly pos: SourcePos;
}
