import type { BotGroup, BotGroupOptions } from './bot-group.ts';
import { colyseusBots } from './colyseus-bots.ts';
import { tsworldBots } from './tsworld-bots.ts';

/**
 * One process of the peers bench's bots (started by bot-pool.ts): 'start' connects a group of bots with
 * the system's own client SDK and answers 'started'; 'mark' starts a window; 'collect' answers what was
 * seen since. The process closes its bots and exits when the channel closes.
 */
type Request = ({ op: 'start'; client: 'tsworld' | 'colyseus' } & BotGroupOptions) | { op: 'mark' } | { op: 'collect' };

function main(): void {
  let group: BotGroup | null = null;
  const reply = (m: Record<string, unknown>) => process.send?.(m);
  process.on('message', (request: Request) => {
    if (request.op === 'start') {
      const start = request.client === 'tsworld' ? tsworldBots : colyseusBots;
      start(request).then(
        (g) => {
          group = g;
          reply({ op: 'started' });
        },
        (err: unknown) => reply({ op: 'failed', error: String(err) }),
      );
    } else if (group === null) {
      reply({ op: 'failed', error: `${request.op} before start` });
    } else if (request.op === 'mark') {
      group.mark();
      reply({ op: 'marked' });
    } else {
      reply({ op: 'collected', ...group.collect() });
    }
  });
  process.on('disconnect', () => {
    const closing = group?.close() ?? Promise.resolve();
    closing.catch(() => undefined).finally(() => process.exit(0));
  });
}

main();
