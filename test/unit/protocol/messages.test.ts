import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { MessageSpec } from '../../../src/protocol/message-spec.ts';
import { RANGES, routeClassOf } from '../../../src/protocol/message-spec.ts';
import { MSG, RESERVED_IDS, messageSpec } from '../../../src/protocol/messages.ts';
import { CLOSE_CODES } from '../../../src/protocol/wire-errors.ts';
import { DEFAULTS } from '../../../src/config/deployment-schema.ts';

const all = Object.values(MSG) as MessageSpec[];

describe('message table', () => {
  it('has unique ids and names, each name matching its table key', () => {
    expect(new Set(all.map((m) => m.id)).size).toBe(all.length);
    for (const [key, spec] of Object.entries(MSG)) expect(spec.name).toBe(key);
  });

  it('looks every type up by id, and nothing else', () => {
    for (const spec of all) expect(messageSpec(spec.id)).toBe(spec);
    // The first free id after each range's last message, the range ends, and ids outside every range.
    const used = new Set(all.map((m) => m.id));
    const free = Object.values(RANGES).map((r) => {
      const inRange = all.filter((m) => m.id >= r.min && m.id <= r.max).map((m) => m.id);
      return Math.max(...inRange) + 1;
    });
    for (const id of [...free, 0, 999, 1499, 1999, 2499, 2500, 65535, -1]) {
      expect(used.has(id), `id ${id} is in the table`).toBe(false);
      expect(messageSpec(id)).toBeUndefined();
    }
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
      if (spec.target === 'entity') expect(['entity', 'entityGateClient']).toContain(spec.key);
      if (spec.target === 'game') expect(spec.key).toBe('game');
      // 'gate' alone: a frame for several of the gate's clients (POSITION_SYNC_SHARED).
      if (spec.target === 'gate') expect(spec.route === 'gate' ? ['gateClient', 'gate'] : ['gateClient']).toContain(spec.key);
    }
  });

  it('carries the caller of a client call, and marks client bytes as untrusted', () => {
    expect(MSG.CALL_FROM_CLIENT.key).toBe('entityGateClient');
    expect(MSG.CALL_ENTITY_METHOD_FROM_CLIENT.key).toBe('entity');
    expect(all.filter((m) => m.untrusted).map((m) => m.name).sort()).toEqual([
      'CALL_ENTITY_METHOD_FROM_CLIENT', 'CALL_FROM_CLIENT', 'REQUEST_ENTITY_METHOD_FROM_CLIENT', 'REQUEST_FROM_CLIENT',
    ]);
  });

  const specText = readFileSync(new URL('../../../src/protocol/SPEC.md', import.meta.url), 'utf8');
  /** Table rows of SPEC.md as trimmed cells, keyed by "id name" (one message may appear in several tables). */
  const rows = (text: string) => {
    const out = new Map<string, string[][]>();
    for (const line of text.split('\n')) {
      if (!line.startsWith('|')) continue;
      const cells = line.split('|').slice(1, -1).map((c) => c.trim());
      const key = `${cells[0]} ${cells[1]}`;
      out.set(key, [...(out.get(key) ?? []), cells]);
    }
    return out;
  };

  it('is documented in SPEC.md: every message appears with its id', () => {
    for (const m of all) expect(specText).toMatch(new RegExp(`\\|\\s*${m.id}\\s*\\|\\s*${m.name}\\s*\\|`));
  });

  it('lists every message in the SPEC.md reference table with its target and key', () => {
    const reference = rows(specText.slice(specText.indexOf('## Message reference')));
    for (const m of all) {
      const row = reference.get(`${m.id} ${m.name}`)?.find((cells) => cells.length === 6);
      expect(row, `${m.name} in the reference table`).toBeDefined();
      expect({ target: row![3], key: row![4] }, m.name).toEqual({ target: m.target, key: m.key });
    }
  });

  it('lists no reserved id as a message, and says which ids are reserved', () => {
    const reference = rows(specText.slice(specText.indexOf('## Message reference')));
    for (const id of RESERVED_IDS) {
      expect([...reference.keys()].filter((k) => k.startsWith(`${id} `)), `reserved id ${id}`).toEqual([]);
    }
    const [first, last] = [Math.min(...RESERVED_IDS), Math.max(...RESERVED_IDS)];
    expect(RESERVED_IDS.length, 'RESERVED_IDS is one range').toBe(last - first + 1);
    expect(specText).toContain(`Ids ${first}–${last} are reserved (\`RESERVED_IDS\`)`);
  });

  it('lists every close code in the SPEC.md close-code table with its fault name', () => {
    const table = rows(specText.slice(specText.indexOf('## 10. Close codes'), specText.indexOf('## 11.')));
    for (const [fault, code] of Object.entries(CLOSE_CODES)) {
      expect(table.has(`${code} \`${fault}\``), `${code} ${fault}`).toBe(true);
    }
  });

  it('names every dispatcher limit where Part 2 of SPEC.md talks about held frames', () => {
    const held = specText.slice(specText.indexOf('**Held frames and their limits.**'));
    for (const key of Object.keys(DEFAULTS.dispatcher)) expect(held, key).toContain(`\`${key}\``);
  });

  it('documents every client-visible message in the client part of SPEC.md', () => {
    const clientPart = rows(specText.slice(0, specText.indexOf('# Part 2')));
    for (const m of all.filter((s) => s.route === 'toClient' || s.route === 'fromClient')) {
      expect(clientPart.has(`${m.id} ${m.name}`), `${m.name} in Part 1`).toBe(true);
    }
  });
});
