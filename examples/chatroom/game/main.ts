import { defineGame } from 'tsworld';
import { Account } from './account.ts';
import { Avatar } from './avatar.ts';

/** GoWorld's chatroom_demo: an Account per connection logs in and hands the client to a persistent Avatar. */
export default defineGame({
  entityTypes: [Account, Avatar],
  bootEntity: 'Account',
});
