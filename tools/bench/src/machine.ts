import { readFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';

/** Where a run happened. */
export interface MachineInfo {
  readonly cpuModel: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly kernel: string;
  readonly node: string;
  readonly date: string;
  /** 1, 5 and 15 minute load averages when the run started. */
  readonly loadAverage?: readonly number[];
}

/** The CPU model (from /proc/cpuinfo when os.cpus() is vague), cores, kernel, Node version and the date. */
export function machineInfo(now: Date = new Date()): MachineInfo {
  const list = cpus();
  let model = list[0]?.model?.trim() ?? 'unknown';
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('model name'));
    const fromProc = line?.split(':')[1]?.trim();
    if (fromProc && fromProc.length > model.length) model = fromProc;
  } catch {
    // Not Linux: keep os.cpus()'s name.
  }
  return {
    cpuModel: model,
    cores: list.length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    node: process.version,
    date: now.toISOString().replace(/\.\d+Z$/, 'Z'),
    loadAverage: loadavg(),
  };
}
