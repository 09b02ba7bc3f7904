// The page state in the URL's fragment, so a link reproduces what the sender saw: a shipped example by its path (or
// the scenario text itself, base64url-encoded UTF-8, once edited), the scenario's name, the kernel profile, the step.

/** What a link carries. */
export interface PageState {
  /** A shipped example, as a path under the suites folder (`linux-mm/misc.yaml`). */
  readonly example?: string;
  /** The scenario text, when it is not an unchanged example. */
  readonly text?: string;
  /** The scenario of that name in the text (default: the first). */
  readonly name?: string;
  /** A shipped kernel profile name (default: the model's own). */
  readonly profile?: string;
  /** A shipped trace (`python3-fork.trace`), when the page shows one. */
  readonly trace?: string;
  readonly step?: number;
}

function toBase64Url(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(s: string): string {
  const bin = atob(s.replace(/-/g, '+').replace(/_/g, '/'));
  return new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
}

/** The fragment (without `#`) for a state. */
export function encodeState(s: PageState): string {
  const p = new URLSearchParams();
  if (s.example !== undefined) p.set('ex', s.example);
  if (s.text !== undefined) p.set('src', toBase64Url(s.text));
  if (s.name !== undefined) p.set('name', s.name);
  if (s.profile !== undefined) p.set('profile', s.profile);
  if (s.trace !== undefined) p.set('trace', s.trace);
  if (s.step !== undefined) p.set('step', String(s.step));
  return p.toString();
}

/** The state a fragment names; a malformed part is dropped (and named in `problems`), never half-read. */
export function decodeState(fragment: string): { state: PageState; problems: string[] } {
  const p = new URLSearchParams(fragment.replace(/^#/, ''));
  const problems: string[] = [];
  let text: string | undefined;
  const src = p.get('src');
  if (src !== null) {
    try {
      text = fromBase64Url(src);
    } catch {
      problems.push('the link\'s scenario text (src=) is not valid base64url UTF-8');
    }
  }
  let step: number | undefined;
  const st = p.get('step');
  if (st !== null) {
    if (/^\d{1,9}$/.test(st)) step = Number(st);
    else problems.push(`step=${st} is not a step number`);
  }
  const state: PageState = {
    ...(p.get('ex') !== null ? { example: p.get('ex')! } : {}),
    ...(text !== undefined ? { text } : {}),
    ...(p.get('name') !== null ? { name: p.get('name')! } : {}),
    ...(p.get('profile') !== null ? { profile: p.get('profile')! } : {}),
    ...(p.get('trace') !== null ? { trace: p.get('trace')! } : {}),
    ...(step !== undefined ? { step } : {}),
  };
  return { state, problems };
}
