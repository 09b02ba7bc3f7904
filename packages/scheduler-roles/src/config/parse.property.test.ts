import { MemoryPriority } from '@memsim/zircon-objects';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseRoleConfig } from '../index.js';

const name = fc.stringMatching(/^[a-z][a-z0-9_.]{0,30}$/);
const threadEntry = fc.oneof(
  fc.record({ priority: fc.integer({ min: 0, max: 31 }) }),
  fc.tuple(fc.integer({ min: 1, max: 1e6 }), fc.integer({ min: 0, max: 1e6 }), fc.integer({ min: 0, max: 1e6 })).map(([c, d, p]) => ({
    capacity: `${c}us`,
    deadline: `${c + d}us`,
    period: c + d + p + 'us',
  })),
);
const memoryEntry = fc.record({ priority: fc.constantFrom(16, 24, 'DEFAULT', 'HIGH') });

describe('role configuration (property)', () => {
  it('every role written in a file is found with what was written', () => {
    fc.assert(
      fc.property(fc.dictionary(name, threadEntry, { maxKeys: 8 }), fc.dictionary(name, memoryEntry, { maxKeys: 8 }), (profiles, memory) => {
        const c = parseRoleConfig(JSON.stringify({ scope: 'core', profiles, memory }, null, 2));
        for (const [k, e] of Object.entries(profiles)) {
          const r = c.threadRole(k);
          if ('priority' in e) expect(r?.profile).toEqual({ kind: 'priority', priority: e.priority });
          else expect(r?.profile).toEqual({ kind: 'deadline', capacityNs: parseInt(e.capacity) * 1000, deadlineNs: parseInt(e.deadline) * 1000, periodNs: parseInt(e.period) * 1000 });
        }
        for (const [k, e] of Object.entries(memory)) {
          const high = e.priority === 24 || e.priority === 'HIGH';
          expect(c.memoryRole(k)?.priority).toBe(high ? MemoryPriority.HIGH : MemoryPriority.DEFAULT);
        }
        expect(c.threadRoles()).toHaveLength(Object.keys(profiles).length);
        expect(c.memoryRoles()).toHaveLength(Object.keys(memory).length);
      }),
      { numRuns: 100 },
    );
  });
});
