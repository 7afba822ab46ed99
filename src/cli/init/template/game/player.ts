import { attr, defineEntityType, t } from 'tsworld';

/**
 * One Player per connection (the game's bootEntity). `echo` is an RPC its own client may call; the
 * server answers by calling `onEcho` on that client.
 */
export const Player = defineEntityType({
  name: 'Player',
  attrs: {
    name: attr(t.string, { flags: ['allClients'] }),
    echoes: attr(t.int, { flags: ['client'] }),
  },
  rpc: {
    echo: {
      expose: 'ownClient',
      args: [t.string],
      fn(e, text) {
        e.attrs.set('echoes', e.attrs.get('echoes') + 1);
        e.callClient('onEcho', [text, e.attrs.get('echoes')]);
      },
    },
  },
  // What the server calls on the client: gives the page's (and a typed client's) handlers their types.
  clientRpc: {
    onEcho: [t.string, t.int],
  },
  hooks: {
    onCreated(e) {
      e.attrs.set('name', `player-${e.id.slice(-4)}`);
    },
    onClientDisconnected(e) {
      e.destroy();
    },
  },
});
