/**
 * Repository-wide checks: the layering rules of the workspace.
 *
 * @packageDocumentation
 */
export { ALLOWED_DEPENDENCIES, TEST_ONLY_DEPENDENCIES } from './layers.js';
export { findCycle, findInternalImports, findRepoRoot, listWorkspacePackages } from './workspace.js';
export type { InternalImport, WorkspacePackage } from './workspace.js';
export { buildModuleGraph, findImportCircles } from './module-graph.js';
export type { ModuleGraph } from './module-graph.js';
