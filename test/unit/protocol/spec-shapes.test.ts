import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/**
 * Every message spec must share one hidden class: the codec and the routers read `spec.id`, `spec.route`,
 * `spec.target` and `spec.keySize` per frame, and specs of many shapes make those loads megamorphic
 * (built by spreading their definitions, the 68 specs had 53). V8's own answer needs
 * --allow-natives-syntax, so the count runs in a child process.
 */
const COUNT_SHAPES = `
const { MSG } = await import(${JSON.stringify(new URL('../../../src/protocol/messages.ts', import.meta.url).href)});
const same = new Function('a', 'b', 'return %HaveSameMap(a, b)');
const shapes = [];
for (const spec of Object.values(MSG)) if (!shapes.some((s) => same(s, spec))) shapes.push(spec);
console.log(JSON.stringify({ specs: Object.keys(MSG).length, shapes: shapes.length }));
`;

describe('message specs', () => {
  it('share one hidden class', () => {
    const out = execFileSync(process.execPath, ['--allow-natives-syntax', '--import', import.meta.resolve('tsx'), '--input-type=module', '-e', COUNT_SHAPES], { encoding: 'utf8' });
    const { specs, shapes } = JSON.parse(out.trim().split('\n').pop()!) as { specs: number; shapes: number };
    expect(specs).toBeGreaterThan(50);
    expect(shapes).toBe(1);
  });
});
