import cliProgress from 'cli-progress';

/** A progress bar on stderr for a trace replay (only used when stderr is a terminal). */
export function swapProgress(total: number): { update: (done: number) => void; stop: () => void } {
  const bar = new cliProgress.SingleBar(
    { format: ' {bar} {value}/{total} events', hideCursor: true, clearOnComplete: true, stream: process.stderr },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  let stopped = false;
  return {
    update: (done) => bar.update(done),
    stop: () => {
      if (!stopped) bar.stop();
      stopped = true;
    },
  };
}
