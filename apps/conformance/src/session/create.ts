import type { KernelProfile } from '@memsim/starnix-mm';
import type { Scenario } from '../scenario/types.js';
import { LinuxModelSession } from './linux-session.js';
import { ZirconModelSession } from './zircon-session.js';

/**
 * A fresh {@link ModelSession} for the scenario's domain, before its first step. Linux scenarios follow `profile`
 * (default: the model's own kernel profile).
 * @public
 */
export function createModelSession(scenario: Scenario, profile?: KernelProfile): ZirconModelSession | LinuxModelSession {
  return scenario.domain === 'zircon' ? new ZirconModelSession(scenario.steps, scenario.kernel ?? {}) : new LinuxModelSession(scenario.steps, {}, profile, scenario.anonBacking);
}
