/**
 * Test helpers shared by the workspace packages. A dev dependency only; never published.
 *
 * @packageDocumentation
 */
export { runReadmeExample } from './readme.js';
export { fuzzMethods, isArgumentError, ENGINE_ERROR, type MethodFuzzOptions, type MethodFuzzResult } from './method-fuzz.js';
