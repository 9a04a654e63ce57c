/**
 * File names as the most lenient file system compares them. On a case-insensitive, normalizing
 * file system (macOS, Windows) `.GIT`, `.git\u200b` and `.ｇｉｔ` open the real `.git`, and `.ENV`
 * the real `.env`: checks that protect a name must compare these forms, not the bytes given.
 */

/** Code points a file system may drop when it compares names (HFS+ ignores several), or a person cannot see. */
const IGNORABLE = /\p{Default_Ignorable_Code_Point}/gu;

/**
 * A name with ignorable code points removed, NFKC-normalized and lower-cased.
 *
 * @example
 * comparableName(".ENV\u200b"); // ".env"
 */
export function comparableName(name: string): string {
  return name.replace(IGNORABLE, "").normalize("NFKC").toLowerCase();
}

/**
 * True when a path segment names a `.git` directory on some file system: any case, ignorable code
 * points or compatibility forms, and Windows' trailing dots and spaces (`.git.`) or short name (`git~1`).
 *
 * @example
 * isGitDirName(".Git\u200d"); // true
 */
export function isGitDirName(segment: string): boolean {
  const name = comparableName(segment).replace(/[. ]+$/, "");
  return name === ".git" || name === "git~1";
}
