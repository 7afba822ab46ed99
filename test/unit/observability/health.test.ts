import { afterEach, describe, expect, it } from 'vitest';
import { createMetrics, type Metrics } from '../../../src/observability/index.ts';

let metrics: Metrics | undefined;
afterEach(async () => {
  await metrics?.close();
  metrics = undefined;
});

async function get(port: number, path: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: res.status, body: await res.text() };
}

describe('/health and /ready on the metrics server', () => {
  it('is alive at once, ready only while the role says it serves', async () => {
    metrics = createMetrics({ role: 'game', id: 1, processMetrics: false });
    const { port } = await metrics.serve({ host: '127.0.0.1', port: 0 });
    expect(await get(port, '/health')).toEqual({ status: 200, body: 'ok\n' });
    expect(await get(port, '/ready')).toEqual({ status: 503, body: 'not ready: starting\n' });

    let reason: string | null = 'waiting for the deployment to be ready';
    metrics.setReadiness(() => reason);
    expect(await get(port, '/ready')).toEqual({ status: 503, body: 'not ready: waiting for the deployment to be ready\n' });
    reason = null;
    expect(await get(port, '/ready?verbose=1')).toEqual({ status: 200, body: 'ready\n' });
    reason = 'stopping';
    expect(await get(port, '/ready')).toEqual({ status: 503, body: 'not ready: stopping\n' });

    metrics.setReadiness(() => {
      throw new Error('boom');
    });
    expect((await get(port, '/ready')).status).toBe(503);
    expect((await get(port, '/health')).status).toBe(200);
    expect((await get(port, '/metrics')).status).toBe(200);
    expect((await get(port, '/nope')).status).toBe(404);
  });
});

describe('a game\'s readiness', () => {
  it('serves once the deployment is ready, and says stopping on the way out', async () => {
    const { createTestCluster } = await import('../../../src/testing/test-cluster.ts');
    const { join } = await import('node:path');
    const entry = join(import.meta.dirname, '..', '..', '..', 'examples', 'chatroom', 'game', 'main.ts');
    const cluster = await createTestCluster({ game: entry });
    const game = cluster.games[0]!;
    try {
      await cluster.until(() => game.serving() === null, 'the game to serve');
    } finally {
      await cluster.stop();
    }
    expect(game.serving()).toBe('stopping');
  });
});
