// The page: wires the editor, the command line, the step controls, the trace picker and the URL to the model, and
// exposes `window.memsim` for tests and tools (documented in the README).
import { drawSvg, parseTraceFile, type ModelState } from '@memsim/cli/web';
import { ScenarioFileError, ScenarioParser, formatProblem, type Scenario } from '@memsim/conformance/web';
import schema from '@memsim/conformance/schema/scenario.schema.json' with { type: 'json' };
import { KERNEL_PROFILES } from '@memsim/starnix-mm';
import { callToStep } from './calls.js';
import { appendStep, BLANK_SCENARIO, forkCount } from './edit.js';
import { ScenarioPlay, TracePlay, callText, type Shown } from './session.js';
import { decodeState, encodeState, type PageState } from './share.js';
import { linuxHtml, mapsText, zirconHtml, zirconView } from './views.js';

// Shipped scenarios and traces, each loaded when opened.
const EXAMPLES = import.meta.glob<string>('../../conformance/suites/**/*.yaml', { query: '?raw', import: 'default' });
const TRACES = import.meta.glob<string>('../../../docs/traces/*.trace', { query: '?raw', import: 'default' });
const exampleKey = (path: string): string => path.replace(/^.*\/suites\//, '');
const traceKey = (path: string): string => path.replace(/^.*\/traces\//, '');

const $ = <T extends HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`the page has no #${id}`);
  return el as T;
};
const editor = $<HTMLTextAreaElement>('editor');
const problemsEl = $('problems');
const exampleSel = $<HTMLSelectElement>('example');
const scenarioSel = $<HTMLSelectElement>('scenario');
const profileSel = $<HTMLSelectElement>('profile');
const traceSel = $<HTMLSelectElement>('trace-example');
const traceInput = $<HTMLInputElement>('trace');
const callInput = $<HTMLInputElement>('call');
const callError = $('call-error');
const slider = $<HTMLInputElement>('slider');
const label = $('label');
const stepsEl = $('steps');
const errorEl = $('error');
const linuxEl = $('linux');
const zirconEl = $('zircon');
const drawingEl = $('drawing');
const modeEl = $('mode');

const parser = new ScenarioParser(schema);

interface Page {
  mode: 'scenario' | 'trace';
  example: string | undefined;
  exampleText: string | undefined;
  scenarios: Scenario[];
  name: string | undefined;
  play: ScenarioPlay | TracePlay | undefined;
  step: number;
  shown: Shown | undefined;
  traceName: string;
}
const page: Page = { mode: 'scenario', example: undefined, exampleText: undefined, scenarios: [], name: undefined, play: undefined, step: 0, shown: undefined, traceName: '' };

function profile(): (typeof KERNEL_PROFILES)[keyof typeof KERNEL_PROFILES] | undefined {
  return profileSel.value ? KERNEL_PROFILES[profileSel.value] : undefined;
}

/** Parses the editor's text; shows every problem (schema and semantic) under it. */
function parse(text: string): Scenario[] | undefined {
  try {
    const found = parser.parse(text, 'editor');
    problemsEl.textContent = found.length ? `valid: ${found.length} scenario${found.length > 1 ? 's' : ''}` : 'no scenario in the text';
    problemsEl.className = found.length ? 'ok' : 'bad';
    return found;
  } catch (e) {
    if (!(e instanceof ScenarioFileError)) throw e;
    problemsEl.textContent = e.problems.map((p) => formatProblem(p)).join('\n');
    problemsEl.className = 'bad';
    return undefined;
  }
}

function fillScenarioSelect(): void {
  scenarioSel.replaceChildren(...page.scenarios.map((s) => new Option(`${s.name} (${s.domain}, ${s.steps.length} steps)`, s.name)));
  if (page.name !== undefined) scenarioSel.value = page.name;
}

/** Opens the text's scenario `name` (default: the one open, else the first) at `step` (default: its end). */
async function openText(text: string, name?: string, step?: number): Promise<Scenario> {
  const found = parse(text);
  if (!found) throw new Error(`the scenario does not parse: ${problemsEl.textContent}`);
  if (found.length === 0) throw new Error('the text holds no scenario');
  const chosen = found.find((s) => s.name === (name ?? page.name)) ?? (name === undefined ? found[0] : undefined);
  if (!chosen) throw new Error(`no scenario named '${name}' (it has ${found.map((s) => `'${s.name}'`).join(', ')})`);
  page.mode = 'scenario';
  page.scenarios = found;
  page.name = chosen.name;
  fillScenarioSelect();
  page.play = new ScenarioPlay(chosen, profile());
  await go(step ?? chosen.steps.length);
  return chosen;
}

/** Shows the state after `n` steps (or calls): views, drawing, slider, call list, URL. */
async function go(n: number): Promise<number> {
  const play = page.play;
  if (!play) return 0;
  const want = Math.max(0, Math.min(Math.trunc(n), play.total));
  const prev = want > 0 ? await play.at(want - 1) : undefined;
  const shown = await play.at(want);
  page.step = shown.state.step;
  page.shown = shown;
  render(shown, prev?.state);
  return page.step;
}

function render(shown: Shown, prev: ModelState | undefined): void {
  const play = page.play!;
  const s = shown.state;
  slider.max = String(play.total);
  slider.value = String(s.step);
  label.textContent = s.step === 0 ? `initial state (0 of ${play.total})` : `step ${s.step} of ${play.total}: ${s.label} -> ${s.outcome}`;
  errorEl.textContent = play instanceof ScenarioPlay && play.failure ? `step ${play.failure.step} cannot run: ${play.failure.message}` : '';
  linuxEl.innerHTML = linuxHtml(s, prev);
  zirconEl.innerHTML = zirconHtml(s, prev, shown.handles);
  drawingEl.innerHTML = drawSvg(s);
  renderSteps(s.step);
  modeEl.textContent = page.mode === 'trace' ? `trace ${page.traceName}` : `scenario ${page.name ?? ''}`;
  const url = `#${encodeState(currentState())}`;
  if (location.hash !== url) history.replaceState(null, '', url);
}

function renderSteps(at: number): void {
  const play = page.play!;
  const items: string[] =
    play instanceof TracePlay
      ? play.calls.map(callText)
      : play.scenario.steps.map((st) => `${st.kind} ${st.call}${st.args && Object.keys(st.args).length ? ` ${JSON.stringify(st.args)}` : ''}`);
  // A long trace lists the calls around the current one.
  const from = Math.max(0, at - 200);
  const to = Math.min(items.length, at + 200);
  stepsEl.replaceChildren(
    ...items.slice(from, to).map((t, i) => {
      const li = document.createElement('li');
      li.value = from + i + 1;
      li.textContent = t;
      if (from + i + 1 === at) li.className = 'current';
      li.addEventListener('click', () => void go(from + i + 1));
      return li;
    }),
  );
  stepsEl.querySelector('.current')?.scrollIntoView({ block: 'nearest' });
}

function currentState(): PageState {
  const base = { ...(profileSel.value ? { profile: profileSel.value } : {}), step: page.step };
  // A shipped trace goes in the link; a file the reader picked does not (the link names the step only).
  if (page.mode === 'trace') return { ...base, ...(page.traceName === traceSel.value && traceSel.value ? { trace: traceSel.value } : {}) };
  const unchanged = page.example !== undefined && editor.value === page.exampleText;
  return { ...(unchanged ? { example: page.example } : { text: editor.value }), ...(page.name !== undefined ? { name: page.name } : {}), ...base };
}

async function openExample(key: string, name?: string, step?: number): Promise<void> {
  const path = Object.keys(EXAMPLES).find((p) => exampleKey(p) === key);
  if (!path) throw new Error(`no shipped example '${key}'`);
  const text = await EXAMPLES[path]();
  editor.value = text;
  page.example = key;
  page.exampleText = text;
  page.name = undefined;
  exampleSel.value = key;
  await openText(text, name, step);
}

async function openTrace(text: string, name: string, step?: number): Promise<number> {
  const trace = parseTraceFile(text);
  page.mode = 'trace';
  page.traceName = name;
  page.play = new TracePlay(trace);
  await go(step ?? 0);
  return page.play.total;
}

/** Appends a typed call to the scenario and runs to it. */
async function run(callTextIn: string): Promise<number> {
  const s = page.mode === 'scenario' ? page.play : undefined;
  const step = callToStep(callTextIn, s instanceof ScenarioPlay ? forkCount(s.scenario.steps) : 0);
  const text = page.mode === 'scenario' && editor.value.trim() ? editor.value : BLANK_SCENARIO;
  const next = appendStep(text, step, page.mode === 'scenario' && editor.value.trim() ? page.name : undefined);
  editor.value = next;
  const opened = await openText(next, page.mode === 'scenario' ? page.name : undefined);
  return go(opened.steps.length);
}

function showError(e: unknown): void {
  callError.textContent = e instanceof Error ? e.message : String(e);
}

// Controls.
$('first').addEventListener('click', () => void go(0));
$('back').addEventListener('click', () => void go(page.step - 1));
$('fwd').addEventListener('click', () => void go(page.step + 1));
$('last').addEventListener('click', () => void go(page.play?.total ?? 0));
slider.addEventListener('input', () => void go(Number(slider.value)));
$('call-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  callError.textContent = '';
  run(callInput.value)
    .then(() => {
      callInput.value = '';
    })
    .catch(showError);
});
let typing: ReturnType<typeof setTimeout> | undefined;
editor.addEventListener('input', () => {
  clearTimeout(typing);
  typing = setTimeout(() => {
    const found = parse(editor.value);
    if (found && found.length) openText(editor.value, undefined, page.step).catch(showError);
  }, 250);
});
exampleSel.addEventListener('change', () => {
  if (exampleSel.value) openExample(exampleSel.value).catch(showError);
});
scenarioSel.addEventListener('change', () => {
  openText(editor.value, scenarioSel.value).catch(showError);
});
profileSel.addEventListener('change', () => {
  if (page.mode === 'scenario' && page.name !== undefined) openText(editor.value, page.name, page.step).catch(showError);
});
async function openShippedTrace(key: string, step?: number): Promise<number> {
  const path = Object.keys(TRACES).find((p) => traceKey(p) === key);
  if (!path) throw new Error(`no shipped trace '${key}'`);
  traceSel.value = key;
  return openTrace(await TRACES[path](), key, step);
}
traceSel.addEventListener('change', () => {
  if (traceSel.value) openShippedTrace(traceSel.value).catch(showError);
});
traceInput.addEventListener('change', () => {
  const f = traceInput.files?.[0];
  if (f) void f.text().then((t) => openTrace(t, f.name)).catch(showError);
});
document.addEventListener('dragover', (ev) => ev.preventDefault());
document.addEventListener('drop', (ev) => {
  ev.preventDefault();
  const f = ev.dataTransfer?.files[0];
  if (!f) return;
  void f
    .text()
    .then(async (t) => {
      if (t.startsWith('memsim-trace')) {
        await openTrace(t, f.name);
        return;
      }
      editor.value = t;
      page.example = undefined;
      await openText(t);
    })
    .catch(showError);
});
document.addEventListener('keydown', (ev) => {
  if (ev.target instanceof HTMLTextAreaElement || ev.target instanceof HTMLInputElement) return;
  if (ev.key === 'ArrowRight') void go(page.step + 1);
  if (ev.key === 'ArrowLeft') void go(page.step - 1);
});

// Choices.
exampleSel.append(new Option('(open a shipped scenario)', ''), ...Object.keys(EXAMPLES).map(exampleKey).sort().map((k) => new Option(k, k)));
traceSel.append(new Option('(open a shipped trace)', ''), ...Object.keys(TRACES).map(traceKey).sort().map((k) => new Option(k, k)));
profileSel.append(new Option('model default', ''), ...Object.keys(KERNEL_PROFILES).map((k) => new Option(k, k)));

/** The API tests and tools drive the page with (see the README). */
const api = {
  /** Loads scenario YAML (the first scenario, or `name`), steps to its end; resolves to its name and step count. */
  async loadScenario(text: string, name?: string): Promise<{ name: string; steps: number; reachable: number }> {
    editor.value = text;
    page.example = undefined;
    page.name = undefined;
    const s = await openText(text, name);
    const play = page.play as ScenarioPlay;
    return { name: s.name, steps: s.steps.length, reachable: play.reachable };
  },
  /** Opens a shipped example by its path under the suites folder (`linux-mm/misc.yaml`). */
  openExample: (key: string, name?: string): Promise<void> => openExample(key, name),
  /** Appends a Linux call in C syntax to the scenario and runs to it; resolves to the new step number. */
  run,
  /** Moves to step `n` (0 is the initial state; clamped to the steps there are); resolves to the step shown. */
  step: (n: number): Promise<number> => go(n),
  /** The current step. */
  current: (): number => page.step,
  /** The maps text of the current step: each process's /proc/self/maps under a `# process NAME` line. */
  linuxMaps: (): string => (page.shown ? mapsText(page.shown.state) : ''),
  /** The Zircon view of the current step as JSON: processes with VMAR trees, VMOs, handles and rights, memory. */
  zirconView: (): unknown => (page.shown ? zirconView(page.shown.state, page.shown.handles) : null),
  /** Opens a trace file's text (`memsim trace record` output); resolves to its number of memory calls. */
  openTrace: (text: string, name = 'trace'): Promise<number> => openTrace(text, name),
  /** Opens a shipped trace (`python3-fork.trace`); resolves to its number of memory calls. */
  openShippedTrace: (key: string): Promise<number> => openShippedTrace(key),
  /** The step that could not run in the open scenario, if any. */
  failure: (): { step: number; message: string } | undefined => (page.play instanceof ScenarioPlay ? page.play.failure : undefined),
  /** The shareable URL of what the page shows now. */
  url: (): string => `${location.origin}${location.pathname}#${encodeState(currentState())}`,
};
declare global {
  interface Window {
    memsim: typeof api & { ready: Promise<void> };
  }
}

async function boot(): Promise<void> {
  const { state, problems } = decodeState(location.hash);
  if (state.profile !== undefined && state.profile in KERNEL_PROFILES) profileSel.value = state.profile;
  else if (state.profile !== undefined) problems.push(`unknown kernel profile '${state.profile}'`);
  if (state.trace !== undefined) await openShippedTrace(state.trace, state.step);
  else if (state.text !== undefined) {
    editor.value = state.text;
    await openText(state.text, state.name, state.step);
  } else await openExample(state.example ?? 'linux-mm/misc.yaml', state.name, state.step);
  if (problems.length) showError(new Error(`the link: ${problems.join('; ')}`));
}

window.memsim = { ...api, ready: boot().catch((e: unknown) => showError(e)) };
