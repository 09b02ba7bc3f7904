// Linux calls typed in C syntax, turned into steps of the scenario format (what the YAML editor holds), so a typed
// call and a written step are one thing: the page appends the step to the scenario and runs it like any other.

/** A step as the scenario format writes it (one item of `steps:`). */
export type StepObject = Record<string, unknown>;

/** A typed call the page cannot turn into a step: the message says what is wrong and where. */
export class CallSyntaxError extends Error {
  override readonly name = 'CallSyntaxError';
}

type Arg = { kind: 'num'; value: string } | { kind: 'str'; value: string } | { kind: 'name'; value: string } | { kind: 'flags'; value: string[] };

/** Argument names of the calls, in C order (the scenario format names them as the probe does). */
const SIGNATURES: Readonly<Record<string, readonly string[]>> = {
  mmap: ['addr', 'length', 'prot', 'flags', 'fd', 'offset'],
  munmap: ['addr', 'length'],
  mprotect: ['addr', 'length', 'prot'],
  mremap: ['old_address', 'old_size', 'new_size', 'flags', 'new_address'],
  madvise: ['addr', 'length', 'advice'],
  mlock: ['addr', 'length'],
  munlock: ['addr', 'length'],
  msync: ['addr', 'length', 'flags'],
  mincore: ['addr', 'length'],
  brk: ['addr'],
};

/** Prefixes C spells and the scenario format drops, by argument. */
const PREFIX: Readonly<Record<string, string>> = { prot: 'PROT_', flags: '', advice: 'MADV_' };
const FLAG_PREFIXES = ['MAP_', 'MREMAP_', 'MS_', 'MCL_', 'MLOCK_'];

function strip(arg: string, word: string): string {
  const p = PREFIX[arg];
  if (p) return word.startsWith(p) ? word.slice(p.length) : word;
  const f = FLAG_PREFIXES.find((x) => word.startsWith(x));
  return f ? word.slice(f.length) : word;
}

function splitArgs(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      cur += ch;
      if (ch === '\\' && i + 1 < text.length) cur += text[++i];
      else if (ch === '"') quoted = false;
    } else if (ch === '"') {
      quoted = true;
      cur += ch;
    } else if (ch === ',') {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  if (quoted) throw new CallSyntaxError('a string is not closed (missing ")');
  if (cur.trim() !== '' || out.length > 0) out.push(cur.trim());
  return out;
}

function parseArg(text: string): Arg {
  if (text === '') throw new CallSyntaxError('an argument is empty');
  if (text.startsWith('"')) {
    try {
      return { kind: 'str', value: JSON.parse(text) as string };
    } catch {
      throw new CallSyntaxError(`${text} is not a C string`);
    }
  }
  if (/^-?(0x[0-9a-f]+|\d+)$/i.test(text)) return { kind: 'num', value: text };
  if (/^[A-Za-z_]\w*$/.test(text) && !/^[A-Z][A-Z0-9_]*$/.test(text)) return { kind: 'name', value: text };
  const words = text.split('|').map((w) => w.trim());
  if (words.some((w) => !/^[A-Z][A-Z0-9_]*$|^0x[0-9a-f]+$|^\d+$/i.test(w))) throw new CallSyntaxError(`cannot read the argument '${text}'`);
  return { kind: 'flags', value: words };
}

function numberValue(a: Arg, what: string): unknown {
  switch (a.kind) {
    case 'num': {
      const n = a.value.startsWith('-') ? -Number(a.value.slice(1)) : Number(a.value);
      if (!Number.isSafeInteger(n)) return `\${${a.value}}`;
      return n;
    }
    case 'name':
      return `\${${a.value}}`;
    case 'str':
      throw new CallSyntaxError(`${what} is a number, not a string`);
    case 'flags':
      throw new CallSyntaxError(`${what} is a number, not flags`);
  }
}

function flagsValue(a: Arg, arg: string): unknown {
  if (a.kind === 'num') return a.value === '0' ? (arg === 'prot' ? ['NONE'] : []) : [Number(a.value)];
  if (a.kind === 'flags') return a.value.map((w) => (/^(0x[0-9a-f]+|\d+)$/i.test(w) ? Number(w) : strip(arg, w)));
  throw new CallSyntaxError(`${arg} takes flags such as ${arg === 'prot' ? 'PROT_READ|PROT_WRITE' : 'MAP_PRIVATE|MAP_ANONYMOUS'}`);
}

/**
 * Turns one typed call into a scenario step. Accepted: `[name =] call(args)` for the mmap family
 * (`mmap munmap mprotect mremap madvise mlock munlock msync mincore brk`), `fork()` (or `child = fork()`),
 * `write(addr, "text")`, `read(addr, length)`; and a process prefix `child: call(...)` for a forked process.
 * A bound name (`p = mmap(...)`) is usable as an argument of later calls.
 */
export function callToStep(text: string, forks = 0): StepObject {
  const m = /^\s*(?:([A-Za-z_]\w*)\s*:\s*(?!\s*[=]))?\s*(?:([A-Za-z_]\w*)\s*=\s*)?([a-z_]\w*)\s*\((.*)\)\s*;?\s*$/s.exec(text);
  if (!m) throw new CallSyntaxError('write a call as name(arguments), e.g. mmap(0, 0x3000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)');
  const [, proc, bind, call, argText] = m;
  const args = splitArgs(argText).map(parseArg);
  const where: StepObject = proc && proc !== 'parent' ? { in: proc } : {};
  if (call === 'fork') {
    if (args.length > 0) throw new CallSyntaxError('fork() takes no arguments');
    return { fork: bind ?? (forks === 0 ? 'child' : `child${forks + 1}`), ...where };
  }
  if (call === 'write' || call === 'read') {
    if (args.length !== 2) throw new CallSyntaxError(`${call}(addr, ${call === 'write' ? '"text"' : 'length'}) takes two arguments`);
    const addr = numberValue(args[0], 'addr');
    if (call === 'write') {
      if (args[1].kind !== 'str') throw new CallSyntaxError('write(addr, "text") writes a string');
      // The format gives bytes as hex; C's string is its UTF-8 bytes (without the NUL, as write(2) of strlen bytes).
      const data = [...new TextEncoder().encode(args[1].value)].map((b) => b.toString(16).padStart(2, '0')).join('');
      if (data === '') throw new CallSyntaxError('write(addr, "text") needs at least one byte');
      return { access: 'write', ...where, args: { addr, data } };
    }
    return { access: 'read', ...where, args: { addr, length: numberValue(args[1], 'length') } };
  }
  const names = SIGNATURES[call];
  if (!names) throw new CallSyntaxError(`'${call}' is not a call the playground knows (it knows ${[...Object.keys(SIGNATURES), 'fork', 'read', 'write'].join(', ')})`);
  if (args.length > names.length) throw new CallSyntaxError(`${call} takes at most ${names.length} arguments`);
  const out: Record<string, unknown> = {};
  args.forEach((a, i) => {
    const arg = names[i];
    if (arg === 'prot' || arg === 'flags') out[arg] = flagsValue(a, arg);
    else if (arg === 'advice') {
      if (a.kind !== 'flags' || a.value.length !== 1) throw new CallSyntaxError('advice is one MADV_ name');
      out[arg] = strip(arg, a.value[0]);
    } else if (arg === 'fd') {
      if (a.kind === 'name') out[arg] = a.value;
      else if (a.kind !== 'num' || a.value !== '-1') throw new CallSyntaxError('fd is -1 or the name a memfd_create step bound');
    } else if (arg === 'offset' && a.kind === 'num' && a.value === '0') {
      // The format's default.
    } else out[arg] = numberValue(a, arg);
  });
  return { linux: call, ...where, args: out, ...(bind ? { bind } : {}) };
}
