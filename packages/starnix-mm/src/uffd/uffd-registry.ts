import type { UffdContextHooks } from '@memsim/userspace-swap';

/** A VMA's userfaultfd registration: the context (`vm_userfaultfd_ctx`) and its VM_UFFD_* mode bits. */
export interface UffdRegistration {
  readonly ctx: UffdContextHooks;
  readonly mode: number;
}

/**
 * Numbers the (context, mode) pairs VMAs carry in `Vma.uffd`, so the merge rule compares one number: Linux refuses
 * to merge VMAs whose `vm_userfaultfd_ctx` differs or whose VM_UFFD_* flags differ, which is exactly "the pair
 * differs". 0 means unregistered. One registry is shared by an address space and its forks.
 */
export class UffdRegistry {
  readonly #byId = new Map<number, UffdRegistration>();
  readonly #ids = new Map<UffdContextHooks, Map<number, number>>();
  #next = 1;

  /** The id of (ctx, mode); 0 for no context. */
  id(ctx: UffdContextHooks | null, mode: number): number {
    if (ctx === null) return 0;
    let modes = this.#ids.get(ctx);
    if (modes === undefined) {
      modes = new Map();
      this.#ids.set(ctx, modes);
    }
    let id = modes.get(mode);
    if (id === undefined) {
      id = this.#next++;
      modes.set(mode, id);
      this.#byId.set(id, { ctx, mode });
    }
    return id;
  }

  /** The registration behind an id (undefined for 0). */
  get(id: number): UffdRegistration | undefined {
    return id === 0 ? undefined : this.#byId.get(id);
  }
}
