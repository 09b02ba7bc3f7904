import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';

/**
 * Where the published JSON Schema of the scenario format lives (inside the package: `schema/scenario.schema.json`).
 * @public
 */
export function scenarioSchemaPath(): string {
  // src/scenario/ and dist/scenario/ are both two levels below the package root.
  return fileURLToPath(new URL('../../schema/scenario.schema.json', import.meta.url));
}

/**
 * The JSON Schema of one scenario document.
 * @public
 */
export function loadScenarioSchema(): Record<string, unknown> {
  return JSON.parse(readFileSync(scenarioSchemaPath(), 'utf8')) as Record<string, unknown>;
}

/**
 * A compiled validator; each parser owns one (no module-level state). `schema` defaults to the packaged file; a
 * browser, which has no file system, passes the schema it bundled.
 */
export function compileSchema(schema: Record<string, unknown> = loadScenarioSchema()): ValidateFunction {
  const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true, verbose: true });
  return ajv.compile(schema);
}

export type { ErrorObject };
