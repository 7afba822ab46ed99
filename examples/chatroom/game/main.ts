import { defineGame } from 'tsworld';
import { Account } from './account.ts';
import { Avatar } from './avatar.ts';
import { OnlineService } from './online-service.ts';

/**
 * GoWorld's chatroom_demo: an Account per connection logs in and hands the client to a persistent Avatar.
 * The OnlineService counts who is online in each room.
 */
export default defineGame({
  entityTypes: [Account, Avatar],
  services: [OnlineService],
  bootEntity: 'Account',
});
