import { defineCommand } from "citty";
import { patchbayHome } from "../config/index.ts";
import { runChecks, type CheckResult } from "../doctor/index.ts";
import { emit } from "./output.ts";

const MARK = { ok: "ok  ", warn: "warn", fail: "FAIL" } as const;

/** One line per check, even when a detail (such as a config error listing several keys) spans lines. */
function line(check: CheckResult): string {
  const detail = check.detail.replace(/\s*\n\s*/g, "; ");
  return `${MARK[check.status]}  ${check.name.padEnd(7)} ${detail}${check.next ? ` -> ${check.next}` : ""}`;
}

export default defineCommand({
  meta: {
    name: "doctor",
    description:
      "Check git, agent CLIs and where their credentials come from (names only), the state directory, the config and the port; exits non-zero on a failure",
  },
  args: { json: { type: "boolean", description: "Print as JSON" } },
  async run({ args }) {
    const home = patchbayHome();
    const checks = await runChecks(home);
    const ok = checks.every((check) => check.status !== "fail");
    emit(args.json, { ok, home, checks }, () => checks.map(line).join("\n"));
    return ok ? 0 : 1;
  },
});
