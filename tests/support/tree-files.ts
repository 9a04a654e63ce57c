/** The files a `codex_repo_tree` call lists, sorted: what the kept file list's tests compare with git's. */
import type { TestClient } from "./clients.ts";

export async function treeFiles(client: Pick<TestClient, "callTool">): Promise<string[]> {
  const tree = (await client.callTool("codex_repo_tree", { max_depth: 5 })).structuredContent as { entries: Array<{ path: string; type: string }> };
  return tree.entries
    .filter((entry) => entry.type === "file")
    .map((entry) => entry.path)
    .sort();
}
