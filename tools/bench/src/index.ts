/**
 * The benchmark suite: memsim against the native Linux kernel, side by side in one run. The `bench` script
 * (src/bin.ts) is the command line; these exports let other tools run or render the suite.
 *
 * @packageDocumentation
 */

/**
 * The package's name.
 * @public
 */
export const PACKAGE_NAME = '@memsim/bench';

export { runSuite, ALL_ROWS, FULL_NS, QUICK_NS, plan } from './suite.js';
export type { SuiteOptions, SuiteResult, RowResult } from './suite.js';
export type { RowSpec, MemsimSampler, NativeSpec, RowContext } from './rows/row.js';
export type { Measurement, Side, Unavailable } from './runner/measurement.js';
export { summarize, quantile, ratio, StatsError, type Summary } from './stats/summary.js';
export { evaluateTargets, type TargetResult } from './report/targets.js';
export { renderTerminal, renderCharts, renderMarkdownResults } from './report/render.js';
export { renderDocs } from './report/docs.js';
export { renderLineChart, type LineChart, type ChartSeries } from './report/svg.js';
export type { MemoryResult } from './memory/heap.js';
export type { MachineInfo } from './machine.js';
