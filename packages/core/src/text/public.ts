// `@mailroom/core/text`: the text algorithms behind InboundEmail's methods (reply extraction, classification,
// DSNs and complaints, sender authentication, HTML limits) and the address helpers, usable on their own.
export * from './index.js';
export {
  parseAddressList,
  parseAddress,
  normalizeAddress,
  domainOf,
  MAX_ADDRESSES,
  MAX_ADDRESS_CHARS,
} from '../message/address.js';
export type { EmailAddress, AddressListLimits } from '../message/address.js';
export { safeStorageName } from '../message/attachment.js';
export { isPermanentFailure } from '../message/errors.js';
