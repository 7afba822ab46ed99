import { describe, expect, it } from 'vitest';
import { register as globalRegistry } from 'prom-client';
import { createMetrics } from '../../../src/observability/index.ts';

describe('createMetrics', () => {
  it('serves /metrics on 127.0.0.1 with the values set, labelled by role and id', async () => {
    const metrics = createMetrics({ role: 'game', id: 3 });
    metrics.observeTick(0.004);
    metrics.observeTick(0.03);
    metrics.setEntities(1234);
    metrics.setClients(56);
    metrics.messagesIn('client', 10);
    metrics.messagesIn('client');
    metrics.messagesOut('internal', 7);
    const { host, port } = await metrics.serve({ port: 0 });
    try {
      expect(host).toBe('127.0.0.1');
      expect(port).toBeGreaterThan(0);
      const res = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/plain');
      const body = await res.text();
      expect(body).toContain('tsworld_entities{role="game",id="3"} 1234');
      expect(body).toContain('tsworld_clients{role="game",id="3"} 56');
      expect(body).toContain('tsworld_messages_in_total{route="client",role="game",id="3"} 11');
      expect(body).toContain('tsworld_messages_out_total{route="internal",role="game",id="3"} 7');
      expect(body).toContain('tsworld_tick_duration_seconds_count{role="game",id="3"} 2');
      expect(body).toContain('tsworld_tick_duration_seconds_bucket{le="0.005",role="game",id="3"} 1');
      expect(body).toContain('tsworld_tick_duration_seconds_bucket{le="0.035",role="game",id="3"} 2');
      expect(body).toMatch(/tsworld_process_resident_memory_bytes\{role="game",id="3"\} \d+/);
      expect((await fetch(`http://127.0.0.1:${port}/other`)).status).toBe(404);
    } finally {
      await metrics.close();
    }
    await expect(fetch(`http://127.0.0.1:${port}/metrics`)).rejects.toThrow();
  });

  it('keeps two instances in one process apart, and off the global registry', async () => {
    const a = createMetrics({ role: 'game', id: 1 });
    const b = createMetrics({ role: 'game', id: 1, processMetrics: false });
    a.setEntities(10);
    b.setEntities(20);
    a.messagesOut('gate', 2);
    expect(await a.text()).toContain('tsworld_entities{role="game",id="1"} 10');
    const bText = await b.text();
    expect(bText).toContain('tsworld_entities{role="game",id="1"} 20');
    expect(bText).not.toContain('route="gate"');
    expect(bText).not.toContain('process_resident_memory');
    expect(await globalRegistry.metrics()).not.toContain('tsworld_');
    await Promise.all([a.close(), b.close()]);
  });

  it('refuses a second serve and reports a port in use as TRANSPORT_FAILURE', async () => {
    const first = createMetrics({ role: 'gate', id: 1, processMetrics: false });
    const second = createMetrics({ role: 'gate', id: 2, processMetrics: false });
    const { port } = await first.serve();
    try {
      await expect(first.serve()).rejects.toMatchObject({ code: 'INVALID_STATE' });
      await expect(second.serve({ port })).rejects.toMatchObject({ code: 'TRANSPORT_FAILURE' });
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  });
});
