import { afterEach, describe, expect, it } from 'vitest';
import { createMetrics, type Metrics } from '../../../src/observability/index.ts';

let metrics: Metrics | undefined;
afterEach(async () => {
  await metrics?.close();
  metrics = undefined;
});

describe('JSON routes on the metrics server (a dispatcher\'s /cluster)', () => {
  it('answers GET with what the route returns at that moment, 500 when it throws, 404 elsewhere', async () => {
    metrics = createMetrics({ role: 'dispatcher', id: 1, processMetrics: false });
    let games = [1];
    metrics.serveJson('/cluster', () => ({ games }));
    metrics.serveJson('/broken', () => {
      throw new Error('no view');
    });
    const { port } = await metrics.serve({ host: '127.0.0.1', port: 0 });
    const first = await fetch(`http://127.0.0.1:${port}/cluster`);
    expect(first.headers.get('content-type')).toBe('application/json');
    expect(await first.json()).toEqual({ games: [1] });
    games = [1, 2];
    expect(await (await fetch(`http://127.0.0.1:${port}/cluster?x=1`)).json()).toEqual({ games: [1, 2] });
    const broken = await fetch(`http://127.0.0.1:${port}/broken`);
    expect([broken.status, await broken.text()]).toEqual([500, '/broken failed: Error: no view\n']);
    expect((await fetch(`http://127.0.0.1:${port}/cluster`, { method: 'POST' })).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${port}/nothing`)).status).toBe(404);
  });
});
