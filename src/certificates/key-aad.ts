// AADs bind a sealed key to what it belongs to: a sealed key cannot be moved to another row.
// Whoever writes a certificate record (the manager, the deploy for provided ones) seals with these.

// Same string as certificateKeyAad of src/certificates/certificate-store.ts (helper "domains"): one of the two goes at the merge.
export const certificateKeyAad = (id: string): string => `certificate:${id}`;
export const acmeAccountKeyAad = (directoryUrl: string): string => `acme-account:${directoryUrl}`;
