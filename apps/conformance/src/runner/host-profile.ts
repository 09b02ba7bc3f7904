import { readFileSync } from 'node:fs';
import { release } from 'node:os';
import { probeAvailability, probeInfo } from '@memsim/linux-probe';
import {
  DEFAULT_KERNEL_PROFILE,
  KERNEL_PROFILES,
  KernelProfileError,
  describeKernelProfile,
  kernelProfile,
  parseKernelProfile,
  profileFromHost,
  type HostMmFacts,
  type KernelProfile,
} from '@memsim/starnix-mm';
import { ConformanceError } from '../scenario/errors.js';

/**
 * The kernel a run compares with and the profile the model follows, for reports.
 * @public
 */
export interface RunKernel {
  /** The host's kernel release (`uname -r`). */
  readonly kernel: string;
  readonly profile: KernelProfile;
  /** Why the profile is not the host's measured one, when it is not (e.g. no probe here, or a field it cannot follow). */
  readonly note?: string;
}

/**
 * The host's kernel profile as the native probe measures it (once per process, a few ms). Throws
 * {@link KernelProfileError} when the host does something no profile value describes (the message says what).
 * @public
 */
export async function detectHostProfile(): Promise<KernelProfile> {
  const info = await probeInfo();
  return profileFromHost({ kernel: info.kernel, ...info.profile } as HostMmFacts);
}

/**
 * The profile a run uses: `explicit` when given, else the host's measured profile when the probe runs here, else
 * the model's default (with a note saying why).
 * @public
 */
export async function resolveRunKernel(explicit?: KernelProfile): Promise<RunKernel> {
  const kernel = release();
  if (explicit) return { kernel, profile: explicit };
  const a = probeAvailability();
  if (!a.available) return { kernel, profile: DEFAULT_KERNEL_PROFILE, note: `the host profile cannot be measured (${a.reason}); the model's default is used` };
  try {
    return { kernel, profile: await detectHostProfile() };
  } catch (e) {
    if (!(e instanceof KernelProfileError)) throw e;
    return { kernel, profile: DEFAULT_KERNEL_PROFILE, note: `the model cannot follow this host: ${e.message}; the model's default is used` };
  }
}

/**
 * A `--profile` argument: a shipped profile's name, `host` (measured now), or a JSON file holding a profile.
 * Throws {@link ConformanceError} (`BAD_ARGUMENT`) with the reason otherwise.
 * @public
 */
export async function loadKernelProfile(spec: string): Promise<KernelProfile> {
  if (spec === 'host') {
    const a = probeAvailability();
    if (!a.available) throw new ConformanceError('BAD_ARGUMENT', `--profile host: the host cannot be measured here (${a.reason})`);
    return detectHostProfile();
  }
  if (Object.prototype.hasOwnProperty.call(KERNEL_PROFILES, spec)) return kernelProfile(spec);
  let text: string;
  try {
    text = readFileSync(spec, 'utf8');
  } catch (e) {
    const names = ['host', ...Object.keys(KERNEL_PROFILES)].join(', ');
    throw new ConformanceError('BAD_ARGUMENT', `--profile ${spec}: neither a profile name (${names}) nor a readable file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  try {
    return parseKernelProfile(JSON.parse(text));
  } catch (e) {
    if (e instanceof SyntaxError || e instanceof KernelProfileError) throw new ConformanceError('BAD_ARGUMENT', `--profile ${spec}: ${e.message}`);
    throw e;
  }
}

/** One line naming the kernel and the profile, for every report. */
export function kernelLine(k: RunKernel): string {
  return `kernel ${k.kernel}, model profile ${describeKernelProfile(k.profile)}${k.note ? ` (${k.note})` : ''}`;
}
