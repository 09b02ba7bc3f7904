import { readFileSync } from 'node:fs';
import { LineCounter, isMap, isPair, isScalar, parseAllDocuments, type Document, type Node } from 'yaml';
import { CONSTANTS, PREBOUND } from './constants.js';
import type { ConformanceError} from './errors.js';
import { ScenarioFileError, type ScenarioProblem } from './errors.js';
import { referencedNames, templateExprs } from './expr.js';
import { compileSchema, type ErrorObject } from './schema.js';
import { didYouMean } from './suggest.js';
import type { Expectation, Scenario, ScenarioDomain, ScenarioValue, SourcePos, Step, StepKind, UpstreamTest } from './types.js';
import { LINUX_OPS, ZX_CALLS } from './vocabulary.js';
import type { ValidateFunction } from 'ajv';

const STEP_KINDS: readonly StepKind[] = ['zx', 'linux', 'access', 'fork', 'debug', 'check'];

type Path = (string | number)[];

function pointerToPath(pointer: string): Path {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

/**
 * Parses scenario YAML into validated scenarios. Owns its compiled schema, so create one and reuse it.
 * @public
 */
export class ScenarioParser {
  readonly #validate: ValidateFunction;
  /** `schema`: the scenario JSON Schema to validate against (default: the packaged `schema/scenario.schema.json`). */
  constructor(schema?: Record<string, unknown>) {
    this.#validate = compileSchema(schema);
  }

  /** Reads and parses a file. Throws {@link ScenarioFileError} with every problem located. */
  parseFile(file: string): Scenario[] {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new ScenarioFileError('SCENARIO_IO', [{ file, line: 1, column: 1, message: `cannot read: ${(e as Error).message}` }]);
    }
    return this.parse(text, file);
  }

  /**
   * Parses YAML text (one scenario per document; documents separated by `---`). `file` names it in errors.
   * Throws {@link ScenarioFileError} listing each problem with line and column.
   */
  parse(text: string, file = '<input>'): Scenario[] {
    const lc = new LineCounter();
    const docs = parseAllDocuments(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
    const pos = (offset: number): SourcePos => {
      const p = lc.linePos(offset);
      return { line: p.line, column: p.col };
    };
    const problems: ScenarioProblem[] = [];
    const at = (offset: number, message: string): void => {
      problems.push({ file, ...pos(offset), message });
    };
    if (!Array.isArray(docs)) {
      // parseAllDocuments returns an EmptyStream for empty input.
      throw new ScenarioFileError('SCENARIO_SCHEMA', [{ file, line: 1, column: 1, message: 'the file holds no scenario' }]);
    }
    for (const doc of docs) {
      for (const err of doc.errors) at(err.pos[0], err.message.split('\n')[0]);
    }
    if (problems.length > 0) throw new ScenarioFileError('SCENARIO_SYNTAX', problems);

    const out: Scenario[] = [];
    for (const doc of docs) {
      if (doc.contents === null) continue;
      const json = doc.toJS({ maxAliasCount: 100 }) as unknown;
      if (!this.#validate(json)) {
        for (const e of this.#schemaProblems(this.#validate.errors ?? [])) {
          at(this.#offsetOf(doc, e), this.#describe(e));
        }
        continue;
      }
      const sc = this.#build(json as RawScenario, doc, file, pos, at);
      if (sc) out.push(sc);
    }
    if (problems.length > 0) {
      const code = problems.some((p) => p.message.includes('is not bound')) ? 'SCENARIO_REFERENCE' : 'SCENARIO_SCHEMA';
      throw new ScenarioFileError(code, problems);
    }
    if (out.length === 0) {
      throw new ScenarioFileError('SCENARIO_SCHEMA', [{ file, line: 1, column: 1, message: 'the file holds no scenario' }]);
    }
    return out;
  }

  /** Keeps the errors a person needs: branch noise from oneOf is summarised by the oneOf error itself. */
  #schemaProblems(errors: ErrorObject[]): ErrorObject[] {
    const kept: ErrorObject[] = [];
    const seen = new Set<string>();
    for (const e of errors) {
      if (e.schemaPath.includes('/oneOf/')) continue;
      const key = `${e.instancePath}|${e.keyword}|${JSON.stringify(e.params)}`;
      if (seen.has(key)) continue;
      seen.add(key);
      kept.push(e);
    }
    return kept;
  }

  #offsetOf(doc: Document, e: ErrorObject): number {
    const path = pointerToPath(e.instancePath);
    let node = (path.length === 0 ? doc.contents : doc.getIn(path, true)) as Node | null | undefined;
    if (e.keyword === 'additionalProperties' && isMap(node)) {
      const extra = (e.params as { additionalProperty: string }).additionalProperty;
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === extra);
      if (pair && isScalar(pair.key) && pair.key.range) return pair.key.range[0];
    }
    // Point at the value that is wrong; for a missing key, at the map that lacks it.
    if (!node || !('range' in node) || !node.range) node = doc.contents;
    return node?.range?.[0] ?? 0;
  }

  #describe(e: ErrorObject): string {
    const where = e.instancePath === '' ? 'scenario' : e.instancePath.slice(1).replace(/\//g, '.');
    const p = e.params as Record<string, unknown>;
    switch (e.keyword) {
      case 'required':
        return `${where}: missing required key '${String(p['missingProperty'])}'`;
      case 'additionalProperties': {
        const extra = String(p['additionalProperty']);
        const allowed = Object.keys((e.parentSchema?.['properties'] as Record<string, unknown> | undefined) ?? {});
        return `${where}: unknown key '${extra}'${didYouMean(extra, allowed)}`;
      }
      case 'enum': {
        const allowed = (p['allowedValues'] as unknown[]).map(String);
        const got = String(e.data);
        const hint = didYouMean(got, allowed);
        return `${where}: '${got}' is not a known value${hint || ` (one of: ${allowed.slice(0, 12).join(', ')}${allowed.length > 12 ? ', ...' : ''})`}`;
      }
      case 'oneOf':
        if ((e.parentSchema?.['properties'] as Record<string, unknown> | undefined)?.['zx'] !== undefined) return `${where}: a step needs exactly one of ${STEP_KINDS.join(', ')}`;
        return `${where}: ${e.message ?? 'matches no allowed form'}`;
      case 'type':
        return `${where}: must be ${String(p['type'])} (got ${Array.isArray(e.data) ? 'array' : e.data === null ? 'null' : typeof e.data})`;
      case 'pattern':
        return `${where}: '${String(e.data)}' does not match ${String(p['pattern'])}`;
      default:
        return `${where}: ${e.message ?? e.keyword}`;
    }
  }

  #build(
    raw: RawScenario,
    doc: Document,
    file: string,
    pos: (offset: number) => SourcePos,
    at: (offset: number, message: string) => void,
  ): Scenario | undefined {
    const before = new Set<string>(PREBOUND);
    const rootNode = doc.contents as Node;
    const steps: Step[] = [];
    let zx = false;
    let linux = false;
    const offsetOf = (path: Path): number => {
      const n = doc.getIn(path, true) as Node | undefined;
      return n?.range?.[0] ?? rootNode.range?.[0] ?? 0;
    };
    raw.steps.forEach((s, i) => {
      const kind = STEP_KINDS.find((k) => k in s)!;
      const call = String(s[kind]);
      if (kind === 'zx') zx = true;
      if (kind === 'linux' || kind === 'fork') linux = true;
      // Every ${name} must be bound by an earlier step or be a known constant.
      const check = (v: unknown, path: Path): void => {
        if (typeof v === 'string') {
          for (const expr of templateExprs(v)) {
            let names: string[];
            try {
              names = referencedNames(expr);
            } catch (err) {
              at(offsetOf(path), (err as ConformanceError).message);
              continue;
            }
            for (const n of names) {
              if (!before.has(n) && !CONSTANTS.has(n)) {
                at(offsetOf(path), `'${n}' is not bound by an earlier step nor a known constant${didYouMean(n, [...before, ...CONSTANTS.keys()])}`);
              }
            }
          }
        } else if (Array.isArray(v)) v.forEach((x, k) => check(x, [...path, k]));
        else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) check(x, [...path, k]);
      };
      check(s.args ?? {}, ['steps', i, 'args']);
      if (kind === 'check') check(`\${${call}}`, ['steps', i, 'check']);
      check(s.expect ?? {}, ['steps', i, 'expect']);
      if (kind === 'zx' && (s.in !== undefined || s.thread !== undefined)) {
        at(offsetOf(['steps', i]), `steps.${i}: 'in' and 'thread' apply to Linux steps only`);
      }
      if (typeof s.bind === 'string') before.add(s.bind);
      else if (s.bind) for (const n of Object.values(s.bind)) before.add(n);
      const node = doc.getIn(['steps', i], true) as Node | undefined;
      steps.push({
        kind,
        call,
        args: (s.args ?? {}) as Record<string, ScenarioValue>,
        ...(s.bind !== undefined ? { bind: s.bind } : {}),
        ...(s.expect !== undefined ? { expect: s.expect } : {}),
        ...(s.in !== undefined ? { in: s.in } : {}),
        ...(s.thread !== undefined ? { thread: s.thread } : {}),
        ...(s.note !== undefined ? { note: s.note } : {}),
        pos: pos(node?.range?.[0] ?? 0),
      });
    });
    if (linux && steps.some((s) => s.kind === 'check')) {
      at(offsetOf(['steps']), "'check' steps apply to Zircon scenarios (Linux scenarios compare outcomes with expect)");
      return undefined;
    }
    if (zx && linux) {
      at(offsetOf(['steps']), 'a scenario is either Zircon (zx steps) or Linux (linux/fork steps), not both');
      return undefined;
    }
    // Access-only scenarios: Zircon accesses name their process, Linux ones run in the probe's process.
    const linuxAccess = !zx && steps.some((s) => s.kind === 'access' && s.args['process'] === undefined);
    const domain: ScenarioDomain = linux || linuxAccess ? 'linux' : 'zircon';
    if (raw.differential === true && domain !== 'linux') {
      at(offsetOf(['differential']), 'differential applies to Linux scenarios only (Zircon has no live judge here)');
      return undefined;
    }
    return {
      name: raw.name,
      suite: raw.suite,
      source: raw.source,
      ...(raw.upstream !== undefined ? { upstream: raw.upstream } : {}),
      differential: raw.differential ?? domain === 'linux',
      ...(raw.description !== undefined ? { description: raw.description } : {}),
      ...(raw.kernel !== undefined ? { kernel: raw.kernel } : {}),
      ...(raw.timeout_ms !== undefined ? { timeoutMs: raw.timeout_ms } : {}),
      ...(raw.anon_backing !== undefined ? { anonBacking: raw.anon_backing } : {}),
      steps,
      domain,
      file,
      pos: pos(rootNode.range?.[0] ?? 0),
    };
  }
}

interface RawStep {
  zx?: string;
  linux?: string;
  access?: string;
  fork?: string;
  debug?: string;
  check?: string;
  args?: Record<string, unknown>;
  bind?: string | Record<string, string>;
  expect?: Expectation;
  in?: string;
  thread?: string;
  note?: string;
}

interface RawScenario {
  name: string;
  suite: string;
  source: string;
  upstream?: UpstreamTest;
  description?: string;
  differential?: boolean;
  timeout_ms?: number;
  anon_backing?: 'single' | 'per-mapping';
  kernel?: Record<string, ScenarioValue>;
  steps: RawStep[];
}

/**
 * Parses scenario YAML text (convenience wrapper over {@link ScenarioParser}).
 * @public
 */
export function parseScenarios(text: string, file = '<input>'): Scenario[] {
  return new ScenarioParser().parse(text, file);
}

/** Known Zircon call and Linux op names (for the README and hints). */
export const VOCABULARY = { zx: ZX_CALLS, linux: LINUX_OPS };
