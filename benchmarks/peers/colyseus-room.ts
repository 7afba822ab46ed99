import { type Client, Room } from '@colyseus/core';
import { schema, t, type SchemaType } from '@colyseus/schema';
import { TICK_HZ } from './peers-workload.ts';

/** The documented Schema state: every player's position in one map that every client mirrors. */
export const PeerPlayer = schema({ x: t.float32(), z: t.float32(), heading: t.float32() }, 'PeerPlayer');
export type PeerPlayer = SchemaType<typeof PeerPlayer>;
export const PeersState = schema({ players: t.map(PeerPlayer) }, 'PeersState');
export type PeersState = SchemaType<typeof PeersState>;

export interface MoveMessage {
  x: number;
  z: number;
  h: number;
}

/** Tick durations the room measured, in ms: the simulation step and the patch that follows it. */
export interface TickSink {
  readonly simMs: number[];
  readonly patchMs: number[];
}

/**
 * The peers workload on Colyseus as its docs build a room: moves are queued as they arrive and applied to
 * the state in the fixed simulation step (TICK_HZ), the state is patched to every client each patchRate
 * (50 ms), and `echo` is answered at once with a message back. The sink gets each step's and each patch's
 * duration, the two halves of what tsworld's tick does.
 */
export function peersRoom(sink: TickSink): typeof Room<{ state: PeersState }> {
  return class PeersRoom extends Room<{ state: PeersState }> {
    override maxClients = 100_000;
    override autoDispose = false;
    override patchRate = 1000 / TICK_HZ;
    override state = new PeersState();
    readonly pending = new Map<string, MoveMessage>();

    override onCreate(): void {
      this.onMessage('move', (client: Client, m: MoveMessage) => {
        if (typeof m?.x === 'number' && typeof m.z === 'number' && typeof m.h === 'number') this.pending.set(client.sessionId, m);
      });
      this.onMessage('echo', (client: Client, seq: number) => client.send('echo', seq));
      this.setSimulationInterval(() => this.step(), 1000 / TICK_HZ);
    }

    step(): void {
      const t0 = performance.now();
      for (const [id, m] of this.pending) {
        const p = this.state.players.get(id);
        if (p === undefined) continue;
        p.x = m.x;
        p.z = m.z;
        p.heading = m.h;
      }
      this.pending.clear();
      sink.simMs.push(performance.now() - t0);
    }

    override broadcastPatch(): boolean {
      const t0 = performance.now();
      const sent = super.broadcastPatch();
      sink.patchMs.push(performance.now() - t0);
      return sent;
    }

    override onJoin(client: Client, options?: { x?: number; z?: number }): void {
      this.state.players.set(client.sessionId, new PeerPlayer({ x: options?.x ?? 0, z: options?.z ?? 0, heading: 0 }));
    }

    override onLeave(client: Client): void {
      this.state.players.delete(client.sessionId);
      this.pending.delete(client.sessionId);
    }
  };
}
