export { Account } from './Account';
export { ForcedPassword, TotpSetupGate } from './gates';
