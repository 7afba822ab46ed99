import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { serverMessageTable } from '../../../src/client/server-messages.ts';
import { MSG, createPackr, createWireCodec, type MessageSpec } from '../../../src/protocol/index.ts';
import { HELLO_TYPES } from '../../../src/roles/dispatcher/hello.ts';
import { LINK_AUTH_TYPES } from '../../../src/roles/dispatcher/link-auth.ts';
import { PEER_AUTH_TYPES } from '../../../src/roles/shared/link-auth.ts';
import { LINK_LAYER_TYPES } from '../../../src/transport/link-acks.ts';
import { ownFrameTable } from '../../../src/roles/dispatcher/own-frames.ts';
import { gameInboundTable } from '../../../src/roles/game/inbound.ts';
import { createClientHandlers } from '../../../src/roles/gate/client-input.ts';
import { gateFrameTable } from '../../../src/roles/gate/dispatcher-frames.ts';

/**
 * Every message type in the table is both sent and handled somewhere in src/, or it does not belong in
 * the table. Handlers are read from the roles' handler tables (what each role registers); senders are
 * found in the source: a line that names the message and encodes, sends or writes it.
 */
const codec = createWireCodec({ packr: createPackr() });
const root = join(import.meta.dirname, '..', '..', '..');
const tables = {
  // A link's acknowledgements, authentication and hello are handled before the role's table sees any frame of it.
  dispatcher: new Set([...ownFrameTable(codec).types, ...HELLO_TYPES, ...LINK_AUTH_TYPES, ...LINK_LAYER_TYPES]),
  game: new Set([...gameInboundTable(codec).types, ...PEER_AUTH_TYPES, ...LINK_LAYER_TYPES]),
  gate: new Set([...gateFrameTable(codec).types, ...PEER_AUTH_TYPES, ...LINK_LAYER_TYPES]),
  gateClients: createClientHandlers(codec).types,
  client: serverMessageTable(codec).types,
};

/** Where a dispatcher sends a message it acts on or originates: the hop after it in `direction`. */
function afterDispatcher(spec: MessageSpec): (keyof typeof tables)[] {
  const next = /dispatcher→([a-z/]+)/.exec(spec.direction)?.[1] ?? '';
  return next.split('/').filter((r): r is 'game' | 'gate' => r === 'game' || r === 'gate');
}

/**
 * Who handles a frame of `spec`, by its table target: the dispatcher handles its own (and forwards
 * placements to a game), and only forwards the others to where they end up.
 */
function handledBy(spec: MessageSpec): (keyof typeof tables)[] {
  switch (spec.target) {
    case 'dispatcher':
      return ['dispatcher', ...afterDispatcher(spec)];
    case 'entity':
    case 'game':
    case 'allGames':
    case 'split':
      return ['game'];
    case 'gate':
    case 'allGates':
      return spec.route === 'toClient' ? ['client'] : ['gate'];
    case 'gateLocal':
      return ['gateClients'];
    case 'peer':
      return afterDispatcher(spec);
  }
}

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

const SENDING = /encodeTo\(|\.encode\(|encodeClientMessage\(|encodeToClientMessage\(|\.send\(|\.sendParts\(|\.reserve\(|writeU16\(|& 0xff/;
const lines = sources(join(root, 'src'))
  .filter((f) => !f.endsWith(join('protocol', 'messages.ts')))
  .flatMap((f) => readFileSync(f, 'utf8').split('\n').map((text, i) => ({ where: `${relative(root, f)}:${i + 1}`, text })));

function senders(spec: MessageSpec): string[] {
  const name = new RegExp(`MSG\\.${spec.name}\\b`);
  return lines.filter((l) => name.test(l.text) && SENDING.test(l.text)).map((l) => l.where);
}

describe('the message table', () => {
  const specs = Object.values(MSG) as MessageSpec[];
  it('has a sender in src/ for every message', () => {
    expect(specs.filter((s) => senders(s).length === 0).map((s) => s.name)).toEqual([]);
  });
  it('has a handler where every message ends up', () => {
    const unhandled = specs.filter((s) => handledBy(s).some((role) => !tables[role].has(s.id)));
    expect(unhandled.map((s) => `${s.name} (${handledBy(s).join('+')})`)).toEqual([]);
  });
  it('has no handler for a message its role never receives', () => {
    const stray = Object.entries(tables).flatMap(([role, types]) =>
      [...types].filter((id) => !handledBy(specs.find((s) => s.id === id)!).includes(role as keyof typeof tables)).map((id) => `${role}:${id}`),
    );
    expect(stray).toEqual([]);
  });
});
