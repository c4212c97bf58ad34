// Canary analysis: pure statistics over the router's metrics. Method: docs/analysis.md.
export type { AnalysisConfig, Decision, DecisionMetric, Judgement, MinEffect, Verdict } from './analysis-config.ts';
export { defaultAlpha, defaultMinEffect } from './analysis-config.ts';
export { alphaForLook } from './alpha-spending.ts';
export { histogramQuantile, quantileFromHistogram, type HistogramQuantile } from './histogram-quantile.ts';
export { judge, judgeThresholds } from './judge.ts';
export { mannWhitneyBinned, type MannWhitneyResult } from './mann-whitney.ts';
export { fisherExactGreater, twoProportionZTest, type ProportionTest } from './proportion-tests.ts';
export { alignHistograms, bucketCounts, emptyStats, metricsDelta, sumStats, timedCount, type LatencyHistogram, type WindowStats } from './window-stats.ts';
