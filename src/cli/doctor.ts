import { defineCommand } from "citty";
import { patchbayHome } from "../config/index.ts";
import { runChecks, type CheckResult } from "../doctor/index.ts";
import { emit } from "./output.ts";

const MARK = { ok: "ok  ", warn: "warn", fail: "FAIL" } as const;

function line(check: CheckResult): string {
  return `${MARK[check.status]}  ${check.name.padEnd(7)} ${check.detail}${check.next ? ` -> ${check.next}` : ""}`;
}

export default defineCommand({
  meta: { name: "doctor", description: "Check git, agent CLIs, the state directory, the config and the port; exits non-zero on a failure" },
  args: { json: { type: "boolean", description: "Print as JSON" } },
  async run({ args }) {
    const home = patchbayHome();
    const checks = await runChecks(home);
    const ok = checks.every((check) => check.status !== "fail");
    emit(args.json, { ok, home, checks }, () => checks.map(line).join("\n"));
    return ok ? 0 : 1;
  },
});
