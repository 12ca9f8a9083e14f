/** Every ID the manifest declares, in one place, so a rename cannot miss one. */
export const EXTENSION_ID = 'gradient-lab.gradient-lab';

export const Cmd = {
  runGradientCheck: 'gradientLab.runGradientCheck',
  openDataset: 'gradientLab.openDataset',
  trainModel: 'gradientLab.trainModel',
  stopTraining: 'gradientLab.stopTraining',
  sampleCaptions: 'gradientLab.sampleCaptions',
  showHiddenStates: 'gradientLab.showHiddenStates',
  showGradients: 'gradientLab.showGradients',
  saveCheckpoint: 'gradientLab.saveCheckpoint',
  loadCheckpoint: 'gradientLab.loadCheckpoint',
  showReport: 'gradientLab.showReport',
  showWorstElement: 'gradientLab.showWorstElement',
  clearChecks: 'gradientLab.clearChecks',
  showLog: 'gradientLab.showLog',
} as const;
export type CommandId = (typeof Cmd)[keyof typeof Cmd];

/** The command that starts the shape language server again by hand (declared in package.json). */
export const RESTART_LANGUAGE_SERVER = 'gradientLab.restartLanguageServer';

export const View = {
  container: 'gradientLab',
  training: 'gradientLab.training',
  checks: 'gradientLab.checks',
  dataset: 'gradientLab.dataset',
} as const;

/** Context keys read by `when` clauses in package.json. */
export const ContextKey = {
  trainingRunning: 'gradientLab.trainingRunning',
  hasReport: 'gradientLab.hasReport',
  hasModel: 'gradientLab.hasModel',
} as const;
