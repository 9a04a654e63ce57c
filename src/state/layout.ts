/** Internal directories under a state base. Storage key listings and watches skip both. */

/** In-flight files (record writes, lock drafts, claimed stale locks); on the base's filesystem so rename and link are atomic. */
export const TEMP_DIRNAME = ".tmp";

/** Lock files, `<name>.lock`. */
export const LOCKS_DIRNAME = ".locks";
