// Validates many AsyncAPI documents with the official parser in one long-lived process.
// Usage: node serve.mjs [--workers N] [--cpu-budget-ms MS]; reads one file path per line on stdin
// and prints one JSON line per file, in input order:
//   {"file": ..., "errors": n, "warnings": n, "diagnostics": [{severity, code, message, path}]}
// or, when the parser gives no verdict, {"file": ..., "timeout": ms} (it used more CPU time than
// the budget, for example on a `$ref` cycle it never leaves) or {"file": ..., "crash": message}.
//
// Each worker thread creates the parser once and parses the documents it is handed one at a time;
// a worker that overruns the budget is terminated and replaced, so a hang costs the budget and
// a restart, not more. The budget is CPU time (of this process, counted from when the document
// is handed over; a worker's start-up is not counted), so a busy machine does not turn a slow
// document into a hang; with several workers it is shared, so keep one worker where the budget
// must be exact. See validate-worker.mjs for what is shared between documents.
import { Worker } from 'node:worker_threads';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(name);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const workerCount = Math.max(1, option('--workers', 1));
const budgetMs = option('--cpu-budget-ms', 10000);
const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};
const workerFile = fileURLToPath(new URL('./validate-worker.mjs', import.meta.url));

const queue = [];
let inputDone = false;
const results = new Map();
let nextToPrint = 0;
let submitted = 0;

function print() {
  while (results.has(nextToPrint)) {
    process.stdout.write(JSON.stringify(results.get(nextToPrint)) + '\n');
    results.delete(nextToPrint);
    nextToPrint += 1;
  }
  if (inputDone && nextToPrint === submitted) {
    for (const slot of slots) slot.worker?.terminate();
  }
}

class Slot {
  constructor() {
    this.worker = null;
    this.job = null;
    this.timer = null;
  }
  start() {
    this.worker = new Worker(workerFile);
    this.ready = false;
    this.worker.on('message', (report) => {
      if (report.ready) {
        this.ready = true;
        this.next();
      } else {
        this.finish(report);
      }
    });
    this.worker.on('error', (error) => this.finish({ file: this.job?.file, crash: String(error) }, true));
  }
  finish(report, restart = false) {
    clearInterval(this.timer);
    if (this.job) {
      results.set(this.job.index, report);
      this.job = null;
    }
    if (restart) {
      this.worker.removeAllListeners();
      this.worker.terminate();
      this.worker = null;
    }
    print();
    this.next();
  }
  next() {
    if (this.job || queue.length === 0) return;
    if (!this.worker) this.start();
    if (!this.ready) return;
    this.job = queue.shift();
    const job = this.job;
    const started = cpuMs();
    this.timer = setInterval(() => {
      if (this.job === job && cpuMs() - started > budgetMs) {
        this.finish({ file: job.file, timeout: budgetMs }, true);
      }
    }, 100);
    this.worker.postMessage(job.file);
  }
}
const slots = Array.from({ length: workerCount }, () => new Slot());

const lines = createInterface({ input: process.stdin });
lines.on('line', (file) => {
  if (file === '') return;
  queue.push({ index: submitted, file });
  submitted += 1;
  for (const slot of slots) slot.next();
});
lines.on('close', () => {
  inputDone = true;
  print();
});
