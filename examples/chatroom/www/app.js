// The chatroom page: the SDK bundle (tsworld-client.js) is built from src/client by `tsworld start`.
import { connectClient } from './tsworld-client.js';

const $ = (id) => document.getElementById(id);
const status = $('status');
const setStatus = (text, kind) => { status.textContent = text; status.className = `status ${kind ?? ''}`; };
const authMessage = (text, bad) => { $('auth-message').textContent = text; $('auth-message').className = `message${bad ? ' bad' : ''}`; };

function addLine(text, who, system) {
  const li = document.createElement('li');
  if (system) li.className = 'system';
  if (who) {
    const w = document.createElement('span');
    w.className = 'who';
    w.textContent = who;
    li.append(w);
  }
  li.append(document.createTextNode(text));
  $('messages').append(li);
  li.scrollIntoView({ block: 'end' });
}

const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
const client = await connectClient({ url, reconnect: true }).catch((err) => {
  setStatus(`cannot connect: ${err.message}`, 'bad');
  throw err;
});
setStatus(`connected to ${location.host}`, 'ok');
let account = await client.waitForPlayer();

// 4010: the server closed this session on purpose (for example a login to the same account elsewhere).
client.on('close', (code, reason) => {
  if (code !== 4010) return setStatus(`disconnected (${code}${reason ? `: ${reason}` : ''}) — reload to reconnect`, 'bad');
  addLine(reason || 'closed by the server', null, true);
  setStatus(`${reason || 'closed by the server'} — reload to log in again`, 'bad');
});
client.on('error', (e) => addLine(`server refused: ${e.message}`, null, true));
// A dropped connection comes back on its own and resumes the same player (the gate's resume token);
// past the server's grace period the session is gone, and a fresh page starts a new one.
client.on('reconnecting', () => setStatus('connection lost — reconnecting…', 'warn'));
client.on('resumed', () => setStatus(`reconnected to ${location.host}`, 'ok'));
client.on('resumeFailed', (reason) => {
  setStatus(`session ended (${reason}) — starting a new one`, 'bad');
  setTimeout(() => location.reload(), 1500);
});

client.on('call', (entity, method, args) => {
  switch (method) {
    case 'onRegister': {
      const [ok, why] = args;
      authMessage(ok ? 'Registered. Now log in.' : why, !ok);
      break;
    }
    case 'onLogin':
      authMessage(args[1], true);
      break;
    case 'onSystem':
      addLine(args[0], null, true);
      break;
    case 'onOnline': {
      // From the OnlineService: a room's count changed (only this room's clients hear it).
      const [room, count] = args;
      if (client.player?.attrs.chatroom === room) $('online').textContent = String(count);
      break;
    }
    case 'onChat': {
      const [name, , text] = args;
      addLine(text, name);
      break;
    }
  }
});

// The room is the avatar's `chatroom` attribute (Client-synced), so the page follows its deltas.
client.on('attrs', (entity) => {
  if (entity === client.player && entity.typeName === 'Avatar') $('room').textContent = entity.attrs.chatroom;
});

client.on('create', (entity) => {
  if (entity.isPlayer && entity.typeName === 'Avatar') {
    $('auth').hidden = true;
    $('chat').hidden = false;
    $('me').textContent = entity.attrs.name;
    $('room').textContent = entity.attrs.chatroom;
    $('chat-input').focus();
  } else if (entity.isPlayer) {
    account = entity;
  }
});

const credentials = () => [$('username').value.trim(), $('password').value];
$('auth-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  authMessage('Logging in…');
  client.call(account.id, 'login', ...credentials());
});
$('register').addEventListener('click', () => {
  if (!$('auth-form').reportValidity()) return;
  authMessage('Registering…');
  client.call(account.id, 'register', ...credentials());
});
$('chat-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const text = $('chat-input').value.trim();
  if (!text || !client.player) return;
  client.call(client.player.id, 'sendChat', text);
  $('chat-input').value = '';
});
