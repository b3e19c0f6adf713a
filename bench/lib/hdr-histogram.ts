// HDR histograms from hdr-histogram-js, the only place the driver loads that package.
import { build } from "hdr-histogram-js";
import type { LatencyHistogram } from "./cell-recorder.ts";

/** Microsecond values from 1 µs to 2 minutes, 3 significant digits. */
export function createHdrHistogram(): LatencyHistogram {
  return build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 120_000_000,
    numberOfSignificantValueDigits: 3,
    autoResize: true,
  });
}
