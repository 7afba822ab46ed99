import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCounterDeployment, type CounterDeployment } from '../support/counter-deployment.ts';
import { tsworld } from '../support/deployment.ts';

/**
 * A process swap (`tsworld reload`) whose code adds a client attribute: the client connected across it
 * gets the attribute's value on its player, without reconnecting. Before, it arrived only with a new
 * create (a reconnect, or the entity leaving and re-entering the view).
 */
describe('tsworld reload that adds an attribute', () => {
  let c: CounterDeployment;
  beforeAll(async () => {
    c = await startCounterDeployment();
  });
  afterAll(async () => {
    await c?.stop();
  });

  it('sends the new attribute to the client already connected, which keeps its player', async () => {
    const player = c.client.player!;
    expect(player.attrs).not.toHaveProperty('level');
    c.client.call(player.id, 'bump', 1);
    await c.client.waitCall('onBump', (a) => a[0] === 1);
    await c.client.waitFor(() => c.client.player?.attrs['count'] === 1, 'count 1 before the swap');

    c.write('v2', { levelAttr: true });
    const { stdout } = await tsworld('reload', c.d.dir);
    expect(stdout).toMatch(/game1: restored by pid \d+ with the new code/);

    await c.client.waitFor(() => c.client.player?.attrs['level'] === 7, 'the added attribute on the player');
    expect(c.client.connected).toBe(true);
    expect(c.client.player!.id).toBe(player.id);
    // The state from before the swap is intact, and the new code answers.
    expect(c.client.player!.attrs['count']).toBe(1);
    c.client.call(player.id, 'bump', 2);
    expect((await c.client.waitCall('onBump', (a) => a[0] === 2)).args[3]).toBe('v2');
    await c.client.waitFor(() => c.client.player?.attrs['count'] === 2, 'count 2 after the swap');
  });
});
