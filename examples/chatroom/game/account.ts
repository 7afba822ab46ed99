import { attr } from '../../../src/core/attr-decl.ts';
import { defineEntityType } from '../../../src/core/entity-type.ts';
import { t } from '../../../src/core/value-types.ts';
import { checkPassword, hashPassword } from './password.ts';

const USERNAME = /^[A-Za-z0-9_]{3,20}$/;

/**
 * The boot entity of every connection. It registers and logs in, then hands its client to the Avatar
 * (loaded on whichever game has room) and destroys itself.
 */
export const Account = defineEntityType({
  name: 'Account',
  attrs: { loggingIn: attr(t.bool) },
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
      fn(e, username, password) {
        if (!USERNAME.test(username) || password.length < 4 || password.length > 100) {
          return e.callClient('onRegister', [false, 'username: 3-20 letters, digits or _; password: 4-100 characters']);
        }
        const { cluster } = e.world;
        hashPassword(password, undefined, (record) =>
          e.world.post(() =>
            // getOrPut is atomic: two clients registering the same name at once cannot both win.
            cluster.kv.getOrPut(`account:${username}`, record, (err, stored) => {
              if (e.destroyed) return;
              if (err) return e.callClient('onRegister', [false, 'storage error, try again']);
              if (stored !== record) return e.callClient('onRegister', [false, `${username} is taken`]);
              const avatarId = cluster.createEntityAnywhere('Avatar', { name: username, chatroom: 'lobby' });
              cluster.kv.put(`avatar:${username}`, avatarId, (putErr) => {
                if (!e.destroyed) e.callClient('onRegister', putErr ? [false, 'storage error, try again'] : [true, '']);
              });
            }),
          ),
        );
      },
    },
    login: {
      expose: 'ownClient',
      args: [t.string, t.string],
      fn(e, username, password) {
        if (e.attrs.get('loggingIn')) return;
        const { cluster } = e.world;
        const fail = (why: string) => {
          if (e.destroyed) return;
          e.attrs.set('loggingIn', false);
          e.callClient('onLogin', [false, why]);
        };
        e.attrs.set('loggingIn', true);
        cluster.kv.get(`account:${username}`, (err, record) => {
          if (err) return fail('storage error, try again');
          if (record === undefined) return fail('unknown user or wrong password');
          checkPassword(password, record, (ok) =>
            e.world.post(() => {
              if (!ok) return fail('unknown user or wrong password');
              cluster.kv.get(`avatar:${username}`, (err2, avatarId) => {
                if (err2 || avatarId === undefined) return fail('this account has no avatar yet, try again');
                if (e.destroyed) return;
                cluster.loadEntityAnywhere('Avatar', avatarId);
                // Held by the dispatcher until the avatar exists, so the order load → give is kept.
                cluster.giveClientTo(e.id, avatarId);
                e.destroy();
              });
            }),
          );
        });
      },
    },
  },
});
