// Runs the graphql-http audit suite (the GraphQL-over-HTTP spec's reference checks) against
// the server at GRAPHQL_URL, prints every result and a count per level, and exits non-zero
// if any MUST or SHOULD audit is not ok.
//
//   GRAPHQL_URL=http://127.0.0.1:8000/graphql node audit.mjs
//
// graphql-http reports a failed MUST as `error`, a failed SHOULD as `warn` and a failed MAY
// as `notice`; an audit that throws anything but an assertion failure (the server is
// unreachable, say) is reported here as `fatal` and always fails the run.
import { serverAudits } from 'graphql-http';

const url = process.env.GRAPHQL_URL;
if (!url) {
  console.error('audit.mjs: GRAPHQL_URL is not set');
  process.exit(2);
}

const LEVELS = ['MUST', 'SHOULD', 'MAY'];
const STATUSES = ['ok', 'notice', 'warn', 'error', 'fatal'];

async function describeResponse(res) {
  if (!res) return '';
  let body = '';
  if (!res.bodyUsed) {
    try {
      body = (await res.text()).replace(/\s+/g, ' ').slice(0, 300);
    } catch {
      body = '';
    }
  }
  const type = res.headers.get('content-type') ?? '(none)';
  return ` [HTTP ${res.status}, content-type ${type}${body ? `, body ${body}` : ''}]`;
}

const audits = serverAudits({ url });
const results = await Promise.all(
  audits.map(async ({ id, name, fn }) => {
    try {
      return await fn();
    } catch (err) {
      return { id, name, status: 'fatal', reason: String(err?.cause?.message ?? err?.message ?? err) };
    }
  }),
);

const counts = Object.fromEntries(
  LEVELS.map((level) => [level, Object.fromEntries(STATUSES.map((s) => [s, 0]))]),
);
let failed = 0;
for (const result of results) {
  const level = LEVELS.find((l) => result.name.startsWith(`${l} `)) ?? 'MAY';
  counts[level][result.status] += 1;
  const mandatory = level === 'MUST' || level === 'SHOULD';
  if (result.status === 'fatal' || (mandatory && result.status !== 'ok')) failed += 1;
  let line = `${result.status.padEnd(6)} ${result.id} ${result.name}`;
  if (result.status !== 'ok') {
    line += `: ${result.reason}${await describeResponse(result.response)}`;
  }
  console.log(line);
}

console.log('');
console.log(`${'level'.padEnd(7)}${STATUSES.map((s) => s.padStart(7)).join('')}`);
for (const level of LEVELS) {
  console.log(`${level.padEnd(7)}${STATUSES.map((s) => String(counts[level][s]).padStart(7)).join('')}`);
}
console.log('');
if (failed > 0) {
  console.log(
    `graphql-http audit: FAILED, ${failed} of ${results.length} audits are MUST/SHOULD audits not ok or could not run`,
  );
  process.exit(1);
}
console.log(`graphql-http audit: every MUST and SHOULD audit ok (${results.length} audits)`);
