// Global set-up of the repo-checks tests: the entry-point and tutorial tests run the real binaries, which load
// dist/, so the apps (and, through turbo's ^build, everything below them) are built first. Turbo's cache makes this
// a few seconds when nothing changed; on a fresh clone (CI runs the tests before `pnpm build`) it is the build.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { findRepoRoot } from '../workspace.js';

export default function setup(): void {
  const root = findRepoRoot(import.meta.dirname);
  execFileSync(
    path.join(root, 'node_modules', '.bin', 'turbo'),
    ['run', 'build', '--filter=@memsim/cli', '--filter=@memsim/conformance', '--output-logs=errors-only'],
    { cwd: root, stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1', TURBO_NO_UPDATE_NOTIFIER: '1' } },
  );
}
