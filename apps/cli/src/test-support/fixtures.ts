import { fileURLToPath } from 'node:url';

/** Path of a fixture scenario shipped with the tests. */
export function fixture(name: string): string {
  return fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
}
