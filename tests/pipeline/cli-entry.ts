// The pipeline CLI as `patchbay pipeline` would run it, until src/cli.ts mounts it.
import pipelineCommand from "../../src/cli/pipeline.ts";
import { runCli } from "../../src/cli/run-cli.ts";

process.exit(await runCli(pipelineCommand, process.argv.slice(2)));
