import { createSystemClock, createSystemScheduler, type Clock, type Scheduler } from '../../tick/clock.ts';
import { createTcpLinkNetwork, type LinkNetwork } from '../../transport/index.ts';

/**
 * What a role takes from its environment besides its config: time, timers and the network its links
 * run on. A process uses the system ones; createTestCluster gives every role of a cluster one fake clock
 * and one in-memory network, so a whole deployment runs in one test process, deterministic in time.
 */
export interface RoleRuntime {
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  readonly net: LinkNetwork;
}

export function systemRuntime(): RoleRuntime {
  return { clock: createSystemClock(), scheduler: createSystemScheduler(), net: createTcpLinkNetwork() };
}
