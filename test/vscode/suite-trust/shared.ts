/** What the trust suite and its driver (test/vscode/trustRun.ts) share; no imports, so the suite bundle stays free of playwright. */

/** Logged by the suite when it wants the driver to grant workspace trust through the workbench UI. */
export const GRANT_TRUST_REQUEST = 'E2E-REQUEST: grant workspace trust';
export const GRANT_TRUST_DONE = 'E2E: workspace trust granted through the workbench';

/** What the driver saw and did when asked for trust (written to <GRADLAB_TRUST_DIR>/driver-trust.json). */
export interface TrustGrant {
  /** The text of Gradient Lab's Restricted Mode notification, when it was on screen. */
  notification?: string;
  /** How the Workspace Trust editor was opened. */
  via: 'notification' | 'palette';
  error?: string;
}
