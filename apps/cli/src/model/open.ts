import { loadScenarios, type Scenario } from '@memsim/conformance';
import type { KernelProfile } from '@memsim/starnix-mm';
import { CliError } from '../cli/errors.js';
import { Stepper } from './stepper.js';

/**
 * Loads the scenario of a YAML file through the conformance package's parser. A file may hold several scenarios
 * (`---`-separated): `name` picks one, else the file must hold exactly one or the first is used.
 * @public
 */
export function loadScenario(file: string, name?: string): Scenario {
  let loaded;
  try {
    loaded = loadScenarios([file]);
  } catch (e) {
    throw new CliError('BAD_INPUT', (e as Error).message);
  }
  if (loaded.problems.length > 0) {
    const p = loaded.problems[0];
    throw new CliError('BAD_INPUT', `${p.file}:${p.line}:${p.column}: ${p.message}`);
  }
  const all = loaded.scenarios;
  if (all.length === 0) throw new CliError('BAD_INPUT', `${file}: no scenario in the file`);
  if (name === undefined) return all[0];
  const found = all.find((s) => s.name === name);
  if (!found) throw new CliError('BAD_INPUT', `${file}: no scenario named '${name}' (it has: ${all.map((s) => `'${s.name}'`).join(', ')})`);
  return found;
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
