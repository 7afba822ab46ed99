import { defineEntityType, t } from 'tsworld';
import { accountAttrs, handOver, login, register } from './account-auth.ts';

/**
 * The boot entity of every connection. It registers and logs in, then hands its client to the Avatar
 * (loaded on whichever game has room) and destroys itself. Password work is bounded per connection,
 * per account name and per game: see limits.ts and the README.
 */
export const Account = defineEntityType({
  name: 'Account',
  attrs: accountAttrs,
  hooks: {
    // A connection that closes before logging in leaves nothing behind (GoWorld's demo leaked these).
    onClientDisconnected(e) {
      e.destroy();
    },
  },
  rpc: {
    register: {
      expose: 'ownClient',
      args: [t.string, t.string],
      fn: register,
    },
    login: {
      expose: 'ownClient',
      args: [t.string, t.string],
      fn: login,
    },
    handOver: {
      expose: 'server',
      args: [t.string],
      fn: handOver,
    },
  },
});
