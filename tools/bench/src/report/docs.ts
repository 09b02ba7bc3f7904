import type { SuiteResult } from '../suite.js';
import type { TargetResult } from './targets.js';
import { renderMarkdownResults } from './render.js';

/** Placeholder; replaced below. */
export function renderDocs(result: SuiteResult, targets: readonly TargetResult[]): string {
  return `# Benchmarks\n\n${renderMarkdownResults(result.rows)}\n${targets.map((t) => `- ${t.target}: ${t.measured}`).join('\n')}\n`;
}
