// AADs bind a sealed key to what it belongs to: a sealed key cannot be moved to another row.
// Whoever writes a certificate record (the manager, the deploy for provided ones) seals with these.

export const certificateKeyAad = (id: string): string => `sluice/certificate/${id}`;
export const acmeAccountKeyAad = (directoryUrl: string): string => `sluice/acme-account/${directoryUrl}`;
