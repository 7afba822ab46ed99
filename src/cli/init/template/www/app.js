// The page: tsworld-client.js (the client SDK) is built next to it by `tsworld start`.
import { connectClient } from './tsworld-client.js';

const $ = (id) => document.getElementById(id);
const log = (text) => $('log').prepend(Object.assign(document.createElement('li'), { textContent: text }));

const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
// reconnect: a dropped connection comes back on its own and resumes the same player.
const client = await connectClient({ url, reconnect: true });
const player = await client.waitForPlayer();
$('status').textContent = `connected as ${player.attrs.name}`;
client.on('reconnecting', () => ($('status').textContent = 'connection lost — reconnecting…'));
client.on('resumed', () => ($('status').textContent = `reconnected as ${player.attrs.name}`));
// Past the server's grace period the session is gone: a fresh page starts a new one.
client.on('resumeFailed', () => location.reload());

const me = client.entity(player.id);
client.on('call', 'onEcho', (text, count) => log(`#${count}: ${text}`));
client.on('close', (code, reason) => { $('status').textContent = `disconnected (${code} ${reason})`; });
$('echo').addEventListener('submit', (ev) => {
  ev.preventDefault();
  me.call.echo($('text').value);
  $('text').value = '';
});
