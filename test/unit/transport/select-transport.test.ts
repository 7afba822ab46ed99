import { describe, expect, it } from 'vitest';
import { selectClientTransport } from '../../../src/transport/select-transport.ts';
import { loadUws } from '../../../src/transport/uws-transport.ts';

function recorder() {
  const lines: string[] = [];
  return {
    lines,
    log: { info: (m: string) => lines.push(`info ${m}`), warn: (m: string) => lines.push(`warn ${m}`) },
  };
}

describe('selectClientTransport', () => {
  it('uses ws when asked, and says so', async () => {
    const { lines, log } = recorder();
    expect((await selectClientTransport('ws', log)).kind).toBe('ws');
    expect(lines).toEqual(['info client transport: ws (configured)']);
  });

  it('auto picks native uWS when it loads, else falls back to ws with a warning', async () => {
    const loaded = await loadUws();
    const { lines, log } = recorder();
    const transport = await selectClientTransport('auto', log);
    if (loaded?.native) {
      expect(transport.kind).toBe('uws');
      expect(lines).toEqual(['info client transport: uWebSockets.js (native)']);
    } else {
      expect(transport.kind).toBe('ws');
      expect(lines[0]).toMatch(/^warn client transport: falling back to ws/);
    }
  });

  it("'uws' refuses the JS shim instead of silently degrading", async () => {
    const loaded = await loadUws();
    if (loaded?.native) {
      expect((await selectClientTransport('uws')).kind).toBe('uws');
    } else {
      await expect(selectClientTransport('uws')).rejects.toMatchObject({ code: 'TRANSPORT_FAILURE' });
    }
  });
});
