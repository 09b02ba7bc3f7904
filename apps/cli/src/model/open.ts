import { statSync } from 'node:fs';
import { loadScenarios, type Scenario } from '@memsim/conformance';
import type { KernelProfile } from '@memsim/starnix-mm';
import { CliError } from '../cli/errors.js';
import { Stepper } from './stepper.js';

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Loads every scenario of YAML files and directories (searched recursively) through the conformance package's
 * parser; `name` keeps the one of that name. Missing paths, malformed files, an empty selection and an unknown name
 * are bad input ({@link CliError} `BAD_INPUT`).
 * @public
 */
export function loadScenarioFiles(paths: readonly string[], name?: string): Scenario[] {
  let loaded;
  try {
    loaded = loadScenarios(paths);
  } catch (e) {
    throw new CliError('BAD_INPUT', (e as Error).message);
  }
  if (loaded.problems.length > 0) {
    const p = loaded.problems[0];
    throw new CliError('BAD_INPUT', `${p.file}:${p.line}:${p.column}: ${p.message}`);
  }
  const all = loaded.scenarios;
  const where = paths.join(', ');
  if (all.length === 0) throw new CliError('BAD_INPUT', `${where}: no scenario in ${paths.some(isDirectory) ? 'any YAML file there' : 'the file'}`);
  if (name === undefined) return all;
  const found = all.filter((s) => s.name === name);
  if (found.length === 0) {
    const names = all.map((s) => `'${s.name}'`);
    const list = names.length > 12 ? `${names.slice(0, 12).join(', ')}, ... (${names.length} in all)` : names.join(', ');
    throw new CliError('BAD_INPUT', `${where}: no scenario named '${name}' (it has: ${list})`);
  }
  return found;
}

/**
 * Loads one scenario from a YAML file (or a directory, with `name`). A file may hold several scenarios
 * (`---`-separated): `name` picks one, else the first is used. A directory holding several needs `name`.
 * @public
 */
export function loadScenario(file: string, name?: string): Scenario {
  const found = loadScenarioFiles([file], name);
  if (name === undefined && found.length > 1 && isDirectory(file)) {
    throw new CliError('BAD_USAGE', `${file} is a directory of ${found.length} scenarios; pick one with --name`);
  }
  return found[0];
}

/** A stepper for the scenario's domain. */
export function stepperFor(scenario: Scenario, profile?: KernelProfile): Stepper {
  return new Stepper(scenario, profile);
}

/** Checks a `--step N` value against the scenario (N steps executed; 0 is the initial state). */
export function checkStep(scenario: Scenario, step: number | undefined): number {
  const n = scenario.steps.length;
  if (step === undefined) return n;
  if (step > n) throw new CliError('BAD_USAGE', `--step ${step} is past the end: '${scenario.name}' has ${n} steps`);
  return step;
}
