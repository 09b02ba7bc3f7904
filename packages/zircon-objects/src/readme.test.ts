import { describe, expect, it } from 'vitest';
import type { ZxError} from './index.js';
import { Kernel, Process, Vmo, VmoChildOptions, VmOptions, ZxStatus } from './index.js';

// The README example, kept runnable.
describe('README example', () => {
  it('runs as documented', () => {
    const kernel = new Kernel({ seed: 42 });
    const { process, rootVmar } = Process.create(kernel.rootJob, 'demo');

    using vmo = Vmo.create(kernel, 4 * 4096);
    vmo.write(new TextEncoder().encode('hello'), 0);

    using clone = vmo.createChild(VmoChildOptions.SNAPSHOT, 0, 4 * 4096);
    const addr = rootVmar.map(VmOptions.PERM_READ | VmOptions.PERM_WRITE, 0, clone, 0, 4 * 4096);
    process.addressSpace.write(addr, new TextEncoder().encode('HELLO'));
    expect(new TextDecoder().decode(vmo.read(5, 0))).toBe('hello');
    expect(new TextDecoder().decode(clone.read(5, 0))).toBe('HELLO');

    expect(process.addressSpace.read(addr + 4 * 4096, new Uint8Array(1))).toMatchObject({ ok: false, fault: { kind: 'not-mapped' } });
    let status: ZxStatus | undefined;
    try {
      vmo.setSize(8192);
    } catch (e) {
      status = (e as ZxError).status;
    }
    expect(status).toBe(ZxStatus.UNAVAILABLE);
  });
});
