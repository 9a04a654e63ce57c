/**
 * Cold-start floor: a compiled Bun program that answers the first stdin line with a fixed
 * `initialize` result, loading nothing. Anything above this is the cost of our code and the SDK.
 */
const REPLY = '{"jsonrpc":"2.0","id":1,"result":{"protocolVersion":"2025-11-25","capabilities":{},"serverInfo":{"name":"hello","version":"0"}}}\n';

process.stdin.once("data", () => process.stdout.write(REPLY));
process.stdin.once("end", () => process.exit(0));
