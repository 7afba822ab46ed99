import { describe, expect, it } from 'vitest';
import { typeFixture } from '../../support/type-fixture.ts';

/**
 * Server code's calls by name (timers, cron, callClient/callAllClients, cluster.call<typeof T>) and a
 * game's bootEntity, compiled with the TypeScript API: right uses pass, and each misspelt name or wrong
 * argument is a compile error of its own.
 */
describe('server-side call types', { timeout: 120_000 }, () => {
  const fixture = typeFixture('test/fixtures/typed-server/server-calls.ts');

  it('compiles the fixture: right uses pass and every @ts-expect-error line is an error', () => {
    expect(fixture.compile().messages).toEqual([]);
  });

  it('without the directives, exactly the lines they mark fail, each for its own reason', () => {
    const r = fixture.compileWithoutDirectives();
    expect(r.expected.length).toBe(10);
    expect(r.lines).toEqual(r.expected);
    const all = r.messages.join('\n');
    expect(all).toMatch(/Argument of type '\["mvoe", \[number, number\]\]' is not assignable/);
    expect(all).toMatch(/Argument of type '\["stpo"\]' is not assignable/);
    expect(all).toMatch(/Argument of type '\["halt"\]' is not assignable/);
    expect(all).toMatch(/Argument of type '"onMove"' is not assignable to parameter of type '"onMoved"'/);
    expect(all).toMatch(/Type 'string' is not assignable to type 'number'/);
    expect(all).toMatch(/Source has 1 element\(s\) but target requires 2/);
    expect(all).toMatch(/bootEntityMustBeOneOf: "Ship" \| "Buoy"/);
  });
});
