import { Namespace, Runtime } from '@memsim/fuchsia-runtime';
import { ShadowProcess, type PinnedMapping } from '@memsim/memory-pinning';
import { RoleManagerServer } from '@memsim/scheduler-roles';
import type { Kernel, Vmo } from '@memsim/zircon-objects';

/**
 * The Starnix kernel's pinning service: one shadow process (memory-pinning) whose VMAR carries the memory role that
 * disables reclamation; mlocked ranges are mapped into it. Without a given ShadowProcess, a private component runtime
 * with a RoleManager is made for it (the role Starnix's kernel component would get from its namespace).
 */
export class Pinning implements Disposable {
  private shadow: ShadowProcess | null;
  private runtime: Runtime | null = null;

  constructor(
    private readonly kernel: Kernel,
    shadow?: ShadowProcess,
  ) {
    this.shadow = shadow ?? null;
  }

  private get process(): ShadowProcess {
    if (!this.shadow) {
      const namespace = new Namespace();
      new RoleManagerServer().offerIn(namespace);
      this.runtime = Runtime.create(this.kernel, { name: 'starnix_kernel', namespace });
      this.shadow = ShadowProcess.create('starnix_mlock_pins', { runtime: this.runtime, logger: { warn: () => undefined } });
    }
    return this.shadow;
  }

  pin(vmo: Vmo, offset: number, length: number): PinnedMapping {
    return this.process.pinPages(vmo, offset, length);
  }

  [Symbol.dispose](): void {
    this.shadow?.[Symbol.dispose]();
    this.shadow = null;
  }
}
