/**
 * Test helpers shared by the workspace packages. A dev dependency only; never published.
 *
 * @packageDocumentation
 */
export { runReadmeExample } from './readme.js';
