import type { ServerResponse } from 'node:http';

/**
 * Why the process is not serving, or null when it is. Each role sets its own (role-context.ts and the
 * roles' main files): a dispatcher once it listens, a game once it ticked with the deployment ready, a
 * gate once it serves clients; each says 'stopping' (or 'frozen') again on the way out.
 */
export type ReadinessProbe = () => string | null;

export const STARTING: ReadinessProbe = () => 'starting';

/**
 * `/health`: the process is alive and its event loop answers (200). `/ready`: 200 while the probe says
 * it serves, 503 with the reason otherwise, so a load balancer or an orchestrator sends it nothing
 * before it can take it and drains it while it stops. Returns false for any other path.
 */
export function answerHealth(path: string, res: ServerResponse, probe: ReadinessProbe): boolean {
  if (path === '/health') {
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    return true;
  }
  if (path !== '/ready') return false;
  let reason: string | null;
  try {
    reason = probe();
  } catch (err) {
    reason = `readiness probe failed: ${String(err)}`;
  }
  if (reason === null) res.writeHead(200, { 'content-type': 'text/plain' }).end('ready\n');
  else res.writeHead(503, { 'content-type': 'text/plain' }).end(`not ready: ${reason}\n`);
  return true;
}
