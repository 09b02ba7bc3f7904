import type { Scenario } from '../scenario/types.js';
import { LinuxModelSession } from './linux-session.js';
import { ZirconModelSession } from './zircon-session.js';

/**
 * A fresh {@link ModelSession} for the scenario's domain, before its first step.
 * @public
 */
export function createModelSession(scenario: Scenario): ZirconModelSession | LinuxModelSession {
  return scenario.domain === 'zircon' ? new ZirconModelSession(scenario.steps, scenario.kernel ?? {}) : new LinuxModelSession(scenario.steps);
}
