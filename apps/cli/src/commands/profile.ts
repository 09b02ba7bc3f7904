import { ConformanceError, detectHostProfile, loadKernelProfile } from '@memsim/conformance';
import {
  DEFAULT_KERNEL_PROFILE,
  KERNEL_PROFILES,
  KERNEL_PROFILE_FIELDS,
  KernelProfileError,
  describeKernelProfile,
  profileDifferences,
  type KernelProfile,
} from '@memsim/starnix-mm';
import { CliError } from '../cli/errors.js';
import type { Colors } from '../cli/io.js';

/**
 * A `--profile` / `memsim profile` argument as a profile: a shipped name, `host` (measured now by the native probe)
 * or a JSON file. Bad names and files are bad input (exit 2), with the reason.
 * @public
 */
export async function resolveProfile(spec: string): Promise<KernelProfile> {
  try {
    return await loadKernelProfile(spec);
  } catch (e) {
    if (e instanceof ConformanceError || e instanceof KernelProfileError) throw new CliError('BAD_INPUT', e.message.replace(/^--profile /, ''));
    throw e;
  }
}

/**
 * The host's profile as the native probe measures it. Where it cannot be measured (no Linux, no C compiler) or the
 * host does something no profile describes, the reason is the error.
 * @public
 */
export async function hostProfile(): Promise<KernelProfile> {
  try {
    return await detectHostProfile();
  } catch (e) {
    const why = (e as Error).message;
    throw new CliError('FAILED', `cannot measure this host's kernel profile: ${why} (name a shipped one: ${Object.keys(KERNEL_PROFILES).join(', ')})`);
  }
}

/** The shipped profile closest to `p` (fewest differing fields; the default wins ties). */
function closest(p: KernelProfile): { name: string; differs: string[] } {
  let best = { name: DEFAULT_KERNEL_PROFILE.name, differs: profileDifferences(p, DEFAULT_KERNEL_PROFILE) as string[] };
  for (const q of Object.values(KERNEL_PROFILES)) {
    const d = profileDifferences(p, q) as string[];
    if (d.length < best.differs.length) best = { name: q.name, differs: d };
  }
  return best;
}

/** `memsim profile` as text: every field, its value, whether the model follows it and what it changes. */
export function formatProfile(p: KernelProfile, c: Colors): string {
  const width = Math.max(...KERNEL_PROFILE_FIELDS.map((f) => f.field.length));
  const lines = [c.bold(`kernel profile ${describeKernelProfile(p)}`)];
  for (const f of KERNEL_PROFILE_FIELDS) {
    const v = p[f.field];
    const shown = Array.isArray(v) ? (v.length ? v.join(' ') : '(none)') : String(v);
    lines.push(`  ${f.field.padEnd(width)}  ${shown}`);
    lines.push(`  ${' '.repeat(width)}  ${f.followed ? c.green('followed') : c.yellow('recorded, not followed')}: ${c.dim(f.changes)}`);
  }
  const near = closest(p);
  lines.push(near.differs.length === 0 ? `same behaviour as the shipped profile ${near.name}` : `closest shipped profile: ${near.name} (differs in ${near.differs.join(', ')})`);
  return `${lines.join('\n')}\n`;
}

/** `memsim profile --json`: the profile, plus which fields the model follows. */
export function profileJson(p: KernelProfile): unknown {
  return { ...p, followed: KERNEL_PROFILE_FIELDS.filter((f) => f.followed).map((f) => f.field), closest: closest(p) };
}
