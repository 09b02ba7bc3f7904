/**
 * The layer rules of the workspace: for each workspace package, the workspace packages it may depend on.
 * `docs/architecture.md` draws the same graph; keep the two in step.
 *
 * @packageDocumentation
 */

// The published layers, bottom-up.
const LAYERS = [
  '@memsim/zircon-objects',
  '@memsim/fuchsia-runtime',
  '@memsim/scheduler-roles',
  '@memsim/memory-pinning',
  '@memsim/thread-create-vmars',
  '@memsim/mapped-vmo',
  '@memsim/userspace-swap',
  '@memsim/starnix-mm',
] as const;
const PROBE = '@memsim/linux-probe';
const ALL_LAYERS_AND_PROBE = [...LAYERS, PROBE];

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
  // starnix-mm may use every layer below it; the probe (a leaf package in packages/, depending on nothing) only as a
  // dev dependency, for its differential tests.
  '@memsim/starnix-mm': [...LAYERS.filter((l) => l !== '@memsim/starnix-mm'), PROBE],
  // The native probe is published beside the layers (packages/linux-probe) and depends on none of them.
  [PROBE]: [],
  // Private tooling (tools/) depends on none of the layers.
  '@memsim/repo-checks': [],
  '@memsim/test-support': [],
  // The benchmark suite measures the model against the native kernel, so it may use everything; and the browser
  // playground's step through the CLI's trace replayer and drawing.
  '@memsim/bench': [...ALL_LAYERS_AND_PROBE, '@memsim/cli'],
  '@memsim/conformance': ALL_LAYERS_AND_PROBE,
  // The CLI reuses the conformance runner's scenario format.
  '@memsim/cli': [...ALL_LAYERS_AND_PROBE, '@memsim/conformance'],
  // The browser playground runs the CLI's stepper and drawing on the conformance sessions, in the page.
  '@memsim/playground': [...ALL_LAYERS_AND_PROBE, '@memsim/conformance', '@memsim/cli'],
};

/**
 * Packages any workspace package may take as a devDependency (for its tests), and never as a runtime dependency.
 * @public
 */
export const TEST_ONLY_DEPENDENCIES: readonly string[] = ['@memsim/test-support'];
