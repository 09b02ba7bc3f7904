import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConformanceError, ScenarioFileError, type ScenarioProblem } from '../scenario/errors.js';
import { ScenarioParser } from '../scenario/parse.js';
import { didYouMean } from '../scenario/suggest.js';
import type { Scenario } from '../scenario/types.js';

/**
 * The directory of the suites shipped with the runner (`suites/<suite>/*.yaml`).
 * @public
 */
export function builtinSuitesDir(): string {
  // src/runner/ and dist/runner/ are both two levels below the package root.
  return fileURLToPath(new URL('../../suites', import.meta.url));
}

/**
 * Names of the shipped suites.
 * @public
 */
export function builtinSuites(dir = builtinSuitesDir()): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
}

function yamlFiles(path: string, out: string[]): void {
  let st;
  try {
    st = statSync(path);
  } catch {
    throw new ConformanceError('BAD_USAGE', `no such file or directory: ${path}`);
  }
  if (st.isDirectory()) {
    for (const e of readdirSync(path).sort()) {
      const p = join(path, e);
      if (statSync(p).isDirectory()) yamlFiles(p, out);
      else if (/\.ya?ml$/.test(e)) out.push(p);
    }
  } else out.push(path);
}

/**
 * What {@link loadScenarios} found: the usable scenarios and every problem, located.
 * @public
 */
export interface LoadedScenarios {
  readonly scenarios: Scenario[];
  readonly problems: ScenarioProblem[];
}

/**
 * Loads scenarios from files and directories (default: the shipped suites), keeping those of the named suites.
 * A malformed file adds its problems and is left out; the others load normally. An unknown suite name throws
 * `UNKNOWN_SUITE` with the closest known name.
 * @public
 */
export function loadScenarios(paths: readonly string[], suites: readonly string[] = [], suitesDir = builtinSuitesDir()): LoadedScenarios {
  const files: string[] = [];
  const known = builtinSuites(suitesDir);
  const explicit = paths.length > 0;
  if (!explicit) {
    for (const s of suites) {
      if (!known.includes(s)) {
        throw new ConformanceError('UNKNOWN_SUITE', `unknown suite '${s}'${didYouMean(s, known)}; suites: ${known.join(', ')}`);
      }
    }
    for (const s of suites.length > 0 ? suites : known) yamlFiles(join(suitesDir, s), files);
  } else for (const p of paths) yamlFiles(p, files);

  const parser = new ScenarioParser();
  const scenarios: Scenario[] = [];
  const problems: ScenarioProblem[] = [];
  const seen = new Map<string, Scenario>();
  const cwd = process.cwd();
  for (const f of files) {
    const shown = relative(cwd, f) || f;
    try {
      for (const sc of parser.parse(readText(f, shown), shown)) {
        const id = `${sc.suite}/${sc.name}`;
        const prev = seen.get(id);
        if (prev) {
          problems.push({ file: shown, ...sc.pos, message: `duplicate case '${id}' (also at ${prev.file}:${prev.pos.line})` });
          continue;
        }
        seen.set(id, sc);
        scenarios.push(sc);
      }
    } catch (e) {
      if (e instanceof ScenarioFileError) problems.push(...e.problems);
      else throw e;
    }
  }
  if (explicit && suites.length > 0) {
    const present = new Set(scenarios.map((s) => s.suite));
    for (const s of suites) {
      if (!present.has(s)) {
        const all = [...new Set([...present, ...known])];
        throw new ConformanceError('UNKNOWN_SUITE', `no scenario of suite '${s}' in the given files${didYouMean(s, all)}`);
      }
    }
    return { scenarios: scenarios.filter((s) => suites.includes(s.suite)), problems };
  }
  return { scenarios, problems };
}

function readText(file: string, shown: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new ScenarioFileError('SCENARIO_IO', [{ file: shown, line: 1, column: 1, message: `cannot read: ${(e as Error).message}` }]);
  }
}
