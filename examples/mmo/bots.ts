// Bot load against a running MMO deployment, e.g. `npx tsx examples/mmo/bots.ts --count 100 --seconds 10`.
import { parseArgs } from 'node:util';
import { runBots } from 'tsworld/bots';

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: 'ws://127.0.0.1:14101/ws' },
    count: { type: 'string', default: '50' },
    seconds: { type: 'string', default: '10' },
    'move-hz': { type: 'string', default: '5' },
    'rpc-hz': { type: 'string', default: '2' },
  },
});

const fleet = await runBots({
  url: values.url.split(','),
  count: Number(values.count),
  moveHz: Number(values['move-hz']),
  rpcHz: Number(values['rpc-hz']),
});
console.log(`${fleet.bots.length} bots connected; sending for ${values.seconds} s`);
await new Promise((resolve) => setTimeout(resolve, Number(values.seconds) * 1000));
let drained = true;
await fleet.drain(15_000).catch((err: Error) => {
  drained = false;
  console.error(err.message);
});
const report = fleet.report();
await fleet.close();
console.log(JSON.stringify(report, null, 2));
process.exitCode = drained && report.problems.length === 0 ? 0 : 1;
