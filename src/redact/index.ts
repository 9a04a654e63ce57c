/**
 * Secret redaction, the one module for it: what counts as a secret (`SECRET_WORDS`, known
 * credential shapes), what replaces it (`REDACTED`), for text (`createRedactor`) and for
 * settings-like objects (`redactSecretFields`). It imports nothing of patchbay, so config,
 * state and every capability can use it.
 */
export { redactSecretFields } from "./fields.ts";
export { createRedactor, redactToken, type Redactor } from "./redactor.ts";
export { REDACTED, SECRET_NAME, SECRET_PATH, SECRET_WORDS } from "./secret-words.ts";
