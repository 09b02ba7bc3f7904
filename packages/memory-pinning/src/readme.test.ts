import { Namespace, Runtime } from '@memsim/fuchsia-runtime';
import { RoleManagerServer } from '@memsim/scheduler-roles';
import { Kernel, PressureLevel, Vmo } from '@memsim/zircon-objects';
import { describe, expect, it } from 'vitest';
import { ShadowProcess } from './index.js';

// The README example, kept runnable.
describe('README example', () => {
  it('runs as documented', () => {
    const kernel = new Kernel();
    const namespace = new Namespace();
    new RoleManagerServer().offerIn(namespace);
    using runtime = Runtime.create(kernel, { name: 'starnix_kernel', namespace });

    using shadow = runtime.run(() => ShadowProcess.create('mlock_pins'));
    using pinned = Vmo.create(kernel, 8 * 4096);
    using other = Vmo.create(kernel, 8 * 4096);
    pinned.write(new Uint8Array(8 * 4096).fill(1), 0);
    other.write(new Uint8Array(8 * 4096).fill(2), 0);
    using _pin = shadow.pinPages(pinned, 0, 8 * 4096);

    kernel.forcePressure(PressureLevel.Critical);
    kernel.reclaim();
    expect([pinned.pageState(0), other.pageState(0)]).toEqual(['committed', 'compressed']);
    kernel.forcePressure(null);
  });
});
