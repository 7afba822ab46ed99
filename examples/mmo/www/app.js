// The MMO page: the SDK bundle (tsworld-client.js) is built from src/client by `tsworld start`.
import { connectClient, interpolate } from './tsworld-client.js';

const WORLD_SIZE = 500; // examples/mmo/game/layout.ts
const AOI_RADIUS = 50;
const PORTAL = { minX: 225, maxX: 275, minZ: 225, maxZ: 275 }; // examples/mmo/game/layout.ts
const SPEED = 60; // units per second while a key is held
const SYNC_HZ = 10; // position messages per second, well under the gate's rate limit
const ECHO_EVERY_MS = 2000;
const VIEW = 200; // world units across the canvas: the camera follows the player
const INTERPOLATION_DELAY_MS = 120; // a little over one position sync (10 Hz) behind, so motion is smooth

const $ = (id) => document.getElementById(id);
const canvas = $('world');
const ctx = canvas.getContext('2d');
const scale = canvas.width / VIEW;
const setStatus = (text, kind) => { $('status').textContent = text; $('status').className = `status ${kind ?? ''}`; };

const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
const client = await connectClient({ url, reconnect: true }).catch((err) => {
  setStatus(`cannot connect: ${err.message}`, 'bad');
  throw err;
});
setStatus(`connected to ${location.host}`, 'ok');
// Others are drawn where they were INTERPOLATION_DELAY_MS ago, between two position snapshots.
const positions = interpolate(client, { delayMs: INTERPOLATION_DELAY_MS });
client.on('close', (code, reason) => setStatus(`disconnected (${code}${reason ? `: ${reason}` : ''}) — reload to reconnect`, 'bad'));
// A dropped connection comes back on its own and resumes the same player (the gate's resume token);
// past the server's grace period the session is gone, and a fresh page starts a new one.
client.on('reconnecting', () => setStatus('connection lost — reconnecting…', 'warn'));
client.on('resumed', () => setStatus(`reconnected to ${location.host}`, 'ok'));
client.on('resumeFailed', (reason) => {
  setStatus(`session ended (${reason}) — starting a new one`, 'bad');
  setTimeout(() => location.reload(), 1500);
});
client.on('error', (e) => setStatus(`server refused: ${e.message}`, 'bad'));

const player = await client.waitForPlayer();
$('me').textContent = player.attrs.name;
$('game').textContent = String(player.attrs.gameId);
client.on('attrs', (e) => { if (e === client.player) $('score').textContent = String(e.attrs.score); });
// The portal in the middle moves the player to the other game (a migration): the connection stays,
// the old World's entities leave, the new one's arrive, and the server says where the player is now.
client.on('space', (_spaceId, gameId) => { $('game').textContent = String(gameId); });

// The page's own idea of where the player is: the server echoes positions back quantized, and following
// those echoes while moving would make the avatar stutter.
const me = { x: player.x, z: player.z, yaw: player.yaw };
const held = new Set();
const KEYS = { ArrowUp: 'up', KeyW: 'up', ArrowDown: 'down', KeyS: 'down', ArrowLeft: 'left', KeyA: 'left', ArrowRight: 'right', KeyD: 'right' };
addEventListener('keydown', (ev) => { if (KEYS[ev.code]) { held.add(KEYS[ev.code]); ev.preventDefault(); } });
addEventListener('keyup', (ev) => held.delete(KEYS[ev.code]));
addEventListener('blur', () => held.clear());

let echoSeq = 0;
const echoSent = new Map();
client.on('call', (_entity, method, args) => {
  if (method !== 'onEcho') return;
  const [seq, tag] = args;
  $('tag').textContent = tag;
  const at = echoSent.get(seq);
  echoSent.delete(seq);
  if (at !== undefined) $('rtt').textContent = `${Math.round(performance.now() - at)} ms`;
});
setInterval(() => {
  if (!client.player) return;
  echoSent.set(++echoSeq, performance.now());
  client.call(client.player.id, 'echo', echoSeq);
}, ECHO_EVERY_MS);

let lastFrame = performance.now();
let lastSync = 0;
let dirty = false;
function frame(t) {
  const dt = Math.min(0.1, (t - lastFrame) / 1000);
  lastFrame = t;
  const dx = (held.has('right') ? 1 : 0) - (held.has('left') ? 1 : 0);
  const dz = (held.has('down') ? 1 : 0) - (held.has('up') ? 1 : 0);
  if (dx !== 0 || dz !== 0) {
    const len = Math.hypot(dx, dz);
    me.x = Math.min(WORLD_SIZE, Math.max(0, me.x + (dx / len) * SPEED * dt));
    me.z = Math.min(WORLD_SIZE, Math.max(0, me.z + (dz / len) * SPEED * dt));
    me.yaw = Math.atan2(dz, dx);
    dirty = true;
  }
  if (dirty && t - lastSync >= 1000 / SYNC_HZ) {
    client.syncPosition(me.x, 0, me.z, me.yaw);
    lastSync = t;
    dirty = false;
  }
  draw();
  requestAnimationFrame(frame);
}

// The camera: the view's top-left corner in world units, centred on the player, kept inside the world.
const camera = { x: 0, z: 0 };
const toScreen = (x, z) => [(x - camera.x) * scale, (z - camera.z) * scale];

function dot(x, z, r, color) {
  const [sx, sz] = toScreen(x, z);
  ctx.fillStyle = color;
  ctx.beginPath();
  ctx.arc(sx, sz, r, 0, 2 * Math.PI);
  ctx.fill();
}

function draw() {
  camera.x = Math.min(WORLD_SIZE - VIEW, Math.max(0, me.x - VIEW / 2));
  camera.z = Math.min(WORLD_SIZE - VIEW, Math.max(0, me.z - VIEW / 2));
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  const [wx, wz] = toScreen(0, 0);
  ctx.strokeStyle = '#8c959f';
  ctx.strokeRect(wx, wz, WORLD_SIZE * scale, WORLD_SIZE * scale);
  const [px, pz] = toScreen(PORTAL.minX, PORTAL.minZ);
  ctx.fillStyle = '#8250df22';
  ctx.fillRect(px, pz, (PORTAL.maxX - PORTAL.minX) * scale, (PORTAL.maxZ - PORTAL.minZ) * scale);
  const [mx, mz] = toScreen(me.x, me.z);
  ctx.strokeStyle = '#1f6feb55';
  ctx.beginPath();
  ctx.arc(mx, mz, AOI_RADIUS * scale, 0, 2 * Math.PI);
  ctx.stroke();
  let inSight = 0;
  for (const e of client.entities.values()) {
    if (e.isPlayer) continue;
    inSight++;
    const p = positions.sample(e.id) ?? e;
    dot(p.x, p.z, e.typeName === 'Monster' ? 4 : 6, e.typeName === 'Monster' ? '#cf222e' : '#2da44e');
  }
  dot(me.x, me.z, 7, '#1f6feb');
  $('sight').textContent = String(inSight);
  $('camera').textContent = `${Math.round(camera.x)}, ${Math.round(camera.z)}`;
}

requestAnimationFrame(frame);
