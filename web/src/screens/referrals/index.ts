export { Inbox } from './Inbox';
export { ReferralPage } from './ReferralPage';
