// Appending a typed call to the scenario text the editor holds, keeping the rest of the file (other scenarios,
// comments) as written.
import { isMap, isSeq, parseAllDocuments, visit, type Document } from 'yaml';
import type { StepObject } from './calls.js';

/** A new scenario for calls typed with no scenario open. */
export const BLANK_SCENARIO = `name: playground
suite: playground
source: "typed in the memsim playground"
steps: []
`;

/**
 * The text with `step` appended to the steps of the scenario named `name` (the first when none is named).
 * Throws when the text has no such scenario document.
 */
export function appendStep(text: string, step: StepObject, name?: string): string {
  const docs = parseAllDocuments(text.trim() === '' ? BLANK_SCENARIO : text) as Document[];
  const doc = docs.find((d) => name === undefined || d.get('name') === name);
  if (!doc || !isMap(doc.contents)) throw new Error(name === undefined ? 'the editor holds no scenario' : `no scenario named '${name}' in the editor`);
  let steps = doc.get('steps', true);
  if (!isSeq(steps)) {
    doc.set('steps', doc.createNode([]));
    steps = doc.get('steps', true);
  }
  if (!isSeq(steps)) throw new Error('steps: is not a list');
  const node = doc.createNode(step);
  if (isMap(node)) {
    for (const p of node.items) if (isMap(p.value) || isSeq(p.value)) p.value.flow = true;
    // Addresses and lengths read best in hex, as the shipped scenarios write them.
    visit(node, {
      Scalar(_, s) {
        if (typeof s.value === 'number' && Number.isInteger(s.value) && s.value >= 0x100) s.format = 'HEX';
      },
    });
  }
  steps.flow = false;
  steps.items.push(node);
  return docs
    .map((d, i) => {
      const s = d.toString({ flowCollectionPadding: false });
      return i > 0 && !s.startsWith('---') ? `---\n${s}` : s;
    })
    .join('');
}

/** Forks the scenario already has (to name the next child). */
export function forkCount(steps: readonly { kind: string }[]): number {
  return steps.filter((s) => s.kind === 'fork').length;
}

