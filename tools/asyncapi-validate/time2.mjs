import { Parser, fromFile } from '@asyncapi/parser';
import fs from 'fs';
const parser = new Parser();
const file = process.argv[2];
const text = fs.readFileSync(file,'utf8');
for (let i=0;i<6;i++) {
  const c=process.cpuUsage();
  const { diagnostics } = await parser.parse(text, {source: file});
  const u=process.cpuUsage(c);
  console.log(i, ((u.user+u.system)/1000).toFixed(0)+'ms cpu', diagnostics.length);
}
