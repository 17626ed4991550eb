/**
 * "Send once" for alerts across instances and restarts: an alert is sent by whoever claims its key first. A send
 * that fails releases the claim, so a later sweep tries again rather than the alert being lost.
 */
export interface AlertClaims {
  /** True when this call made the claim (send the alert); false when it was claimed before, here or elsewhere. */
  claim(alertKey: string): Promise<boolean>;
  /** Gives a claim back after a failed send. */
  release(alertKey: string): Promise<void>;
}
