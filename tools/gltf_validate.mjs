#!/usr/bin/env node
// Run the Khronos glTF validator (npm "gltf-validator") on .gltf/.glb files.
// Usage: node tools/gltf_validate.mjs FILE...
// Prints one JSON object per file: {"file", "errors", "warnings", "infos", "messages": [...]}
// where messages lists "SEVERITY CODE pointer: message" for errors and warnings.
// External resources resolve only inside the file's own folder (never above it, never remote).
// Exit status: 0 when no file has an error, 1 when one has, 2 on bad usage.
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(import.meta.url);
const validator = require("gltf-validator");
const SEVERITY = ["ERROR", "WARNING", "INFO", "HINT"];

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: node tools/gltf_validate.mjs FILE...");
  process.exit(2);
}

async function validate(file) {
  const folder = path.resolve(path.dirname(file));
  const data = await readFile(file);
  const report = await validator.validateBytes(new Uint8Array(data), {
    uri: path.basename(file),
    maxIssues: 200,
    externalResourceFunction: async (uri) => {
      const target = path.resolve(folder, decodeURIComponent(uri));
      if (!target.startsWith(folder + path.sep)) {
        throw new Error(`refusing resource outside the asset folder: ${uri}`);
      }
      return new Uint8Array(await readFile(target));
    },
  });
  const issues = report.issues;
  const messages = issues.messages
    .filter((m) => m.severity <= 1)
    .map((m) => `${SEVERITY[m.severity]} ${m.code} ${m.pointer ?? ""}: ${m.message}`);
  return {
    file,
    errors: issues.numErrors,
    warnings: issues.numWarnings,
    infos: issues.numInfos,
    messages,
  };
}

let failed = false;
for (const file of files) {
  let result;
  try {
    result = await validate(file);
  } catch (err) {
    result = { file, errors: 1, warnings: 0, infos: 0, messages: [`ERROR ${String(err)}`] };
  }
  failed ||= result.errors > 0;
  console.log(JSON.stringify(result));
}
process.exit(failed ? 1 : 0);
