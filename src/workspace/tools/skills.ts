/**
 * Skill tools: codex_list_skills and codex_load_skill. Read-only; paths in results are sanitized
 * (relative to the repository, or `~/…`), never absolute home paths.
 */
import * as v from "valibot";
import type { ToolDeclaration } from "../../mcp/tool.ts";
import { LIMITS } from "../limits.ts";
import { listSkills, loadSkill, loadedSkillSchema, SKILL_SOURCES, skillListSchema } from "../skills.ts";
import { codexProAlias, countArg, onByDefault, READ_ONLY, repoPathArg } from "./args.ts";
import { defineWorkspaceTool } from "./workspace-tool.ts";

export const listSkillsTool = defineWorkspaceTool({
  name: "codex_list_skills",
  title: "List skills",
  description: "Skills (SKILL.md) of the repository, the user and installed plugins: name, description, source, path.",
  input: v.strictObject({
    repo_path: repoPathArg,
    include_global_skills: onByDefault("Also the user's and plugins' skills."),
    max_skills: countArg(`At most ${LIMITS.skillCount}.`),
  }),
  output: skillListSchema,
  annotations: READ_ONLY,
  capability: "read",
  textCarriesAll: true,
  modes: ["worker", "standard", "full"],
  labels: { invoking: "Listing skills", invoked: "Skills ready" },
  async handler(args, _context, ws) {
    const list = await listSkills(ws, { includeUser: args.include_global_skills, maxSkills: args.max_skills });
    const lines = list.skills.map((skill) => `- ${skill.name} [${skill.source}] ${skill.path}${skill.description ? `: ${skill.description}` : ""}`);
    return {
      text: lines.length ? `${list.counts.total} skill(s)${list.truncated ? " (truncated)" : ""}:\n${lines.join("\n")}` : "No skills found.",
      structured: list,
    };
  },
});

const loadInput = {
  repo_path: repoPathArg,
  name: v.pipe(v.string(), v.minLength(1), v.maxLength(200), v.description("As codex_list_skills shows it.")),
  source: v.optional(v.pipe(v.picklist(SKILL_SOURCES), v.description("When the name is in several places."))),
  path: v.optional(v.pipe(v.string(), v.description("When name and source are still ambiguous."))),
  max_bytes: countArg(`At most ${LIMITS.skillBytes}.`),
  include_global_skills: onByDefault("Also the user's and plugins' skills."),
  max_skills: countArg(`Skills searched, at most ${LIMITS.skillCount}.`),
};

export const loadSkillTool = defineWorkspaceTool({
  name: "codex_load_skill",
  title: "Load skill",
  description: "Read one skill's SKILL.md by name; an ambiguous name lists each source and path to choose from.",
  input: v.strictObject(loadInput),
  output: loadedSkillSchema,
  annotations: READ_ONLY,
  capability: "read",
  textCarriesAll: true,
  modes: ["worker", "standard", "full"],
  aliases: [codexProAlias("load_skill", loadInput)],
  labels: { invoking: "Loading skill", invoked: "Skill ready" },
  async handler(args, _context, ws) {
    const loaded = await loadSkill(ws, {
      name: args.name,
      source: args.source,
      path: args.path,
      maxBytes: args.max_bytes,
      includeUser: args.include_global_skills,
      maxSkills: args.max_skills,
    });
    const { skill } = loaded;
    const cut = loaded.truncated ? `, first ${loaded.bytes} of ${loaded.total_bytes} bytes` : "";
    return { text: `Skill ${skill.name} [${skill.source}] ${skill.path}${cut}:\n\n${loaded.content}`, structured: loaded };
  },
});

export const SKILL_TOOLS: readonly ToolDeclaration[] = [listSkillsTool, loadSkillTool];
