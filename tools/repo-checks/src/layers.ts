/**
 * The layer rules of the workspace: for each workspace package, the workspace packages it may depend on.
 * `docs/architecture.md` draws the same graph; keep the two in step.
 *
 * @packageDocumentation
 */

/**
 * Allowed internal dependencies, by package name. A package absent from a list may not be imported.
 * @public
 */
export const ALLOWED_DEPENDENCIES: Readonly<Record<string, readonly string[]>> = {
  '@memsim/zircon-objects': [],
  '@memsim/fuchsia-runtime': ['@memsim/zircon-objects'],
  '@memsim/scheduler-roles': ['@memsim/zircon-objects', '@memsim/fuchsia-runtime'],
  '@memsim/memory-pinning': ['@memsim/zircon-objects', '@memsim/fuchsia-runtime', '@memsim/scheduler-roles'],
  '@memsim/thread-create-vmars': ['@memsim/zircon-objects', '@memsim/fuchsia-runtime'],
  '@memsim/mapped-vmo': ['@memsim/zircon-objects', '@memsim/fuchsia-runtime'],
  // userspace-swap reaches the address space through an interface that starnix-mm implements.
  '@memsim/userspace-swap': ['@memsim/zircon-objects'],
  '@memsim/starnix-mm': [
    '@memsim/zircon-objects',
    '@memsim/fuchsia-runtime',
    '@memsim/scheduler-roles',
    '@memsim/memory-pinning',
    '@memsim/thread-create-vmars',
    '@memsim/mapped-vmo',
    '@memsim/userspace-swap',
    '@memsim/linux-probe',
  ],
  // Private tooling sits beside the layers and depends on none of them.
  '@memsim/linux-probe': [],
  '@memsim/repo-checks': [],
  // The benchmark suite measures the model against the native kernel, so it may use everything.
  '@memsim/bench': [
    '@memsim/zircon-objects',
    '@memsim/fuchsia-runtime',
    '@memsim/scheduler-roles',
    '@memsim/memory-pinning',
    '@memsim/thread-create-vmars',
    '@memsim/mapped-vmo',
    '@memsim/userspace-swap',
    '@memsim/starnix-mm',
    '@memsim/linux-probe',
  ],
  '@memsim/conformance': [
    '@memsim/zircon-objects',
    '@memsim/fuchsia-runtime',
    '@memsim/scheduler-roles',
    '@memsim/memory-pinning',
    '@memsim/thread-create-vmars',
    '@memsim/mapped-vmo',
    '@memsim/userspace-swap',
    '@memsim/starnix-mm',
    '@memsim/linux-probe',
  ],
  // The CLI reuses the conformance runner's scenario format.
  '@memsim/cli': [
    '@memsim/zircon-objects',
    '@memsim/fuchsia-runtime',
    '@memsim/scheduler-roles',
    '@memsim/memory-pinning',
    '@memsim/thread-create-vmars',
    '@memsim/mapped-vmo',
    '@memsim/userspace-swap',
    '@memsim/starnix-mm',
    '@memsim/linux-probe',
    '@memsim/conformance',
  ],
};
