import { describe, expect, it } from 'vitest';
import { connectionCap, readFdLimit } from '../../../../src/roles/gate/fd-limit.ts';
import { createAdmission } from '../../../../src/roles/gate/admission.ts';
import { DEFAULTS } from '../../../../src/config/deployment-schema.ts';

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max open files            1024                 4096                 files
Max locked memory         8388608              8388608              bytes
`;

describe('descriptor limit', () => {
  it('reads the soft limit from /proc/self/limits, and says why when it cannot', () => {
    expect(readFdLimit(() => LIMITS)).toEqual({ soft: 1024, source: '/proc/self/limits' });
    expect(readFdLimit(() => LIMITS.replace('1024 ', 'unlimited '))).toMatchObject({ soft: Infinity });
    expect(readFdLimit(() => 'nothing here')).toMatchObject({ soft: null });
    expect(readFdLimit(() => { throw new Error('ENOENT'); })).toMatchObject({ soft: null, source: expect.stringContaining('ENOENT') });
    // This machine's own file parses.
    expect(readFdLimit().soft).toBeGreaterThan(0);
  });

  it('caps connections below the limit by the reserve, and never above maxConnections', () => {
    expect(connectionCap(10_000, { soft: 1024, source: '' }, 256)).toEqual({ cap: 768, byDescriptors: true });
    expect(connectionCap(500, { soft: 1024, source: '' }, 256)).toEqual({ cap: 500, byDescriptors: false });
    expect(connectionCap(10_000, { soft: null, source: '' }, 256)).toEqual({ cap: 10_000, byDescriptors: false });
    expect(connectionCap(10_000, { soft: Infinity, source: '' }, 256)).toEqual({ cap: 10_000, byDescriptors: false });
    expect(connectionCap(10_000, { soft: 100, source: '' }, 256)).toEqual({ cap: 1, byDescriptors: true });
  });

  it('admission refuses at the descriptor cap with its own limit label', () => {
    const admission = createAdmission({ ...DEFAULTS.gate, fdCap: 2 });
    const request = { remoteAddress: '10.0.0.1', origin: undefined };
    for (let i = 0; i < 2; i++) {
      expect(admission.admit(request, 0)).toBeNull();
      admission.opened(request.remoteAddress);
    }
    expect(admission.admit(request, 0)).toMatchObject({ status: 503, limit: 'connections-fd-cap' });
    admission.closed(request.remoteAddress);
    expect(admission.admit(request, 0)).toBeNull();
  });
});
