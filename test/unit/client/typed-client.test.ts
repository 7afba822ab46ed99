import { afterAll, describe, expect, it } from 'vitest';
import { typeFixture } from '../../support/type-fixture.ts';
import { connectClient, type WebSocketConstructor } from '../../../src/client/index.ts';
import { createTestCluster, type TestCluster } from '../../../src/testing/index.ts';
import game from '../../../examples/mmo/game/main.ts';
import type { Player } from '../../../examples/mmo/game/player.ts';
import { TAG } from '../../../examples/mmo/game/version.ts';

/**
 * The typed client SDK (connectClient<typeof game>, entity<typeof Player>(id).call.*, on('call', ...)):
 * compiled with the TypeScript API against the mmo example's real declarations.
 */
describe('typed client SDK', { timeout: 120_000 }, () => {
  const fixture = typeFixture('test/fixtures/typed-client/mmo-client.ts');

  it('compiles the fixture: correct uses pass and every @ts-expect-error line is an error', () => {
    expect(fixture.compile().messages).toEqual([]);
  });

  it('without the directives, exactly the lines they mark fail, each for its own reason', () => {
    const r = fixture.compileWithoutDirectives();
    expect(r.expected.length).toBeGreaterThanOrEqual(10);
    expect(r.lines).toEqual(r.expected);
    const all = r.messages.join('\n');
    expect(all).toContain("Property 'ecoh' does not exist");
    expect(all).toContain("Argument of type 'string' is not assignable to parameter of type 'number'");
    expect(all).toMatch(/'"onEchoo"' is not assignable/);
    expect(all).toMatch(/Property 'bootEntityMustBeOneOf' is missing[\s\S]*bootEntityMustBeOneOf: "Monster"/);
  });
});

describe('typed client SDK at run time', () => {
  let cluster: TestCluster | undefined;
  afterAll(async () => cluster?.stop());

  it('entity(id).call.echo sends the call, on(call, onEcho) gets its arguments spread, attrs mirror the entity', async () => {
    cluster = await createTestCluster({ game, games: 1, gates: 1, clock: 'system' });
    const url = `mem://127.0.0.1:${cluster.gates[0].port}/ws`;
    const client = await connectClient<typeof game>({ url, WebSocket: cluster.clientNetwork.WebSocket as unknown as WebSocketConstructor });
    const player = await client.waitForPlayer();
    const me = client.entity<typeof Player>(player.id);
    const echoes: [number, string, string][] = [];
    const got = new Promise<void>((resolve) => {
      client.on('call', 'onEcho', (seq, tag, entity) => {
        echoes.push([seq, tag, entity.id]);
        if (echoes.length === 2) resolve();
      });
    });
    me.call.echo(41);
    me.call.echo(42);
    await got;
    expect(echoes).toEqual([[41, TAG, player.id], [42, TAG, player.id]]);
    expect(me.attrs.name).toBe(`p-${player.id.slice(-4)}`);
    expect(me.mirror).toBe(player);
    expect(client.entity('not-in-view').attrs).toEqual({});
    client.close();
  });
});
