/** Brings certificates in line with the domain claims: orders, renews, replaces, pushes to the data plane. */
export interface CertificateReconciler {
  reconcile(): Promise<void>;
}
