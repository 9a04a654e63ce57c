export { runChecks, type CheckResult, type CheckStatus } from "./checks.ts";
