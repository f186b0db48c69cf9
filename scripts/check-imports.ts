/** `pnpm lint:imports`: exits 1 and lists every import that breaks the rules in import-rules.ts. */
import { resolve } from "node:path";
import { checkRepository } from "./import-rules";

const violations = checkRepository(resolve(__dirname, ".."));
for (const v of violations) process.stderr.write(`${v.file}:${v.line}: ${v.rule}\n`);
if (violations.length > 0) process.exit(1);
process.stdout.write("import rules: no violations\n");
