/** The learning loop's public surface: what the CLI, the API handlers and the Train screen call. */
export { type CrossValidationResult, crossValidateHead } from './cross-validate.js';
export { type Split, stratifiedFolds, stratifiedSplit } from './dataset-split.js';
export { type EmbedOptions, type EmbeddingProgress, type EmbeddingResult, embedPhotos, embeddingCacheDir } from './embeddings.js';
export {
  type ClassMetrics,
  type EvaluatedExample,
  type EvaluationReport,
  type Misclassified,
  evaluateClassifier,
  formatClassMetrics,
  formatConfusionMatrix,
} from './evaluate.js';
export { type ExportDatasetOptions, type ExportDatasetResult, datasetSafeName, exportDataset } from './export-dataset.js';
export { attachHeadToOnnx } from './head-onnx.js';
export { DEFAULT_OPEN_SET_QUANTILE, type OpenSetCalibration, type UnknownVerdict, calibrateOpenSet, classCentroids, isUnknown, judgeAgainst, judgeUnknown, openSetOf } from './open-set.js';
export {
  DEFAULT_HEAD_TRAINING,
  type DenseLayerWeights,
  type EpochRecord,
  type HeadTrainingOptions,
  type TrainedHead,
  predictHead,
  trainHead,
} from './train-head.js';
export {
  type ModelVersionSummary,
  type SpeciesCount,
  type TrainModelOptions,
  type TrainingProgress,
  type TrainingReport,
  type TrainingResult,
  modelVersions,
  readTrainingReport,
  trainModel,
} from './train-model.js';
export { type LabelledPhoto, folderTrainingPhotos, libraryTrainingPhotos } from './training-photos.js';
export { type CalibrateModelOptions, type CalibrationResult, calibrateModel } from './calibrate-model.js';
export { AUGMENTED_VIEWS, type TrainingViewSpec, headBatchSize, rowsWithViews, trainingView } from './training-views.js';
export { type EmbedViewsOptions, type ViewEmbeddingProgress, type ViewEmbeddingResult, embedTrainingViews } from './view-embeddings.js';
