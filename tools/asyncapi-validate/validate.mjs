// Validates AsyncAPI documents with the official parser.
// Usage: node validate.mjs FILE... ; prints one JSON line per file:
// {"file": ..., "errors": n, "warnings": n, "diagnostics": [{severity, code, message, path}]}
// Exit code: 0 when no file has an error diagnostic, 1 otherwise, 2 on usage errors.
import { Parser, fromFile } from '@asyncapi/parser';

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: node validate.mjs FILE...');
  process.exit(2);
}
const parser = new Parser();
let failed = false;
for (const file of files) {
  const { diagnostics } = await fromFile(parser, file).parse();
  // Spectral severities: 0 error, 1 warning, 2 info, 3 hint.
  const errors = diagnostics.filter((d) => d.severity === 0);
  const warnings = diagnostics.filter((d) => d.severity === 1);
  if (errors.length > 0) failed = true;
  console.log(JSON.stringify({
    file,
    errors: errors.length,
    warnings: warnings.length,
    diagnostics: diagnostics.filter((d) => d.severity <= 1).map((d) => ({
      severity: d.severity === 0 ? 'error' : 'warning',
      code: d.code,
      message: d.message,
      path: d.path.join('/'),
    })),
  }));
}
process.exit(failed ? 1 : 0);
