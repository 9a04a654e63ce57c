/** The pipeline's tool face: `patchbay_*` (with `ai_flow_*` aliases in full mode). */
export { PIPELINE_TOOLS } from "./runs.ts";
