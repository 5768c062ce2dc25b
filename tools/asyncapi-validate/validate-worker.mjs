// One worker of serve.mjs: parses the documents it is sent with one parser and posts a report
// for each.
//
// Spectral (the parser's linter) keeps its compiled JSON Schema validators per document, so by
// default the official AsyncAPI schema (several thousand lines) is compiled again for every
// document: most of a small document's parse time. Here that schema's validator, whose `$id`
// is under http://asyncapi.com/definitions/ and whose content never changes, is compiled once
// per worker; every other schema (a document's own payloads, defaults, examples) still gets
// fresh validators per document, as in the parser's own run, so one document cannot affect the
// next.
import { parentPort } from 'node:worker_threads';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const fromParser = createRequire(require.resolve('@asyncapi/parser'));
const ajv = fromParser('@stoplight/spectral-functions/dist/schema/ajv.js');
const original = ajv.createAjvInstances;
const official = original();
ajv.createAjvInstances = () => {
  const own = original();
  return (schema, dialect, allErrors) => {
    const shared =
      typeof schema?.$id === 'string' && schema.$id.startsWith('http://asyncapi.com/definitions/');
    return (shared ? official : own)(schema, dialect, allErrors);
  };
};

const { Parser, fromFile } = await import('@asyncapi/parser');
const parser = new Parser();
parentPort.postMessage({ ready: true });

parentPort.on('message', async (file) => {
  try {
    const { diagnostics } = await fromFile(parser, file).parse();
    // Spectral severities: 0 error, 1 warning, 2 info, 3 hint.
    const errors = diagnostics.filter((d) => d.severity === 0);
    const warnings = diagnostics.filter((d) => d.severity === 1);
    parentPort.postMessage({
      file,
      errors: errors.length,
      warnings: warnings.length,
      diagnostics: diagnostics.filter((d) => d.severity <= 1).map((d) => ({
        severity: d.severity === 0 ? 'error' : 'warning',
        code: d.code,
        message: d.message,
        path: d.path.join('/'),
      })),
    });
  } catch (error) {
    parentPort.postMessage({ file, crash: String(error?.stack ?? error) });
  }
});
