import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { MessageSpec } from '../../../src/protocol/message-spec.ts';
import { RANGES, routeClassOf } from '../../../src/protocol/message-spec.ts';
import { MSG, messageSpec } from '../../../src/protocol/messages.ts';

const all = Object.values(MSG) as MessageSpec[];

describe('message table', () => {
  it('has unique ids and names, each name matching its table key', () => {
    expect(new Set(all.map((m) => m.id)).size).toBe(all.length);
    for (const [key, spec] of Object.entries(MSG)) expect(spec.name).toBe(key);
  });

  it('looks every type up by id, and nothing else', () => {
    for (const spec of all) expect(messageSpec(spec.id)).toBe(spec);
    for (const id of [0, 999, 1499, 2003, 2500, 65535, -1]) expect(messageSpec(id)).toBeUndefined();
  });

  it('derives the route class from the numeric range', () => {
    for (const spec of all) {
      const range = RANGES[spec.route];
      expect(spec.id).toBeGreaterThanOrEqual(range.min);
      expect(spec.id).toBeLessThanOrEqual(range.max);
    }
    expect(routeClassOf(0)).toBeNull();
    expect(routeClassOf(2500)).toBeNull();
  });

  it('keys to-client and gate messages by gate, and keeps client messages gate-local', () => {
    for (const spec of all) {
      if (spec.route === 'toClient') expect(spec.key).toBe('gateClient');
      if (spec.route === 'fromClient') expect(spec.target).toBe('gateLocal');
      if (spec.target === 'entity') expect(['entity', 'entityClient']).toContain(spec.key);
      if (spec.target === 'game') expect(spec.key).toBe('game');
      if (spec.target === 'gate') expect(spec.key).toBe('gateClient');
    }
  });

  it('is documented in SPEC.md: every message appears with its id', () => {
    const spec = readFileSync(new URL('../../../src/protocol/SPEC.md', import.meta.url), 'utf8');
    for (const m of all) expect(spec).toMatch(new RegExp(`\\|\\s*${m.id}\\s*\\|\\s*${m.name}\\s*\\|`));
  });
});
