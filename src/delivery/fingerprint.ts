// Moved to partners/ (a partner's key is what carries a fingerprint); kept for the Block Kit builders that import it
// from here until they move too.
export { formatFingerprint } from '../partners/fingerprint.ts';
