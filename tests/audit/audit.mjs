#!/usr/bin/env node
// Runs every `graphql-http` server audit (MUST, SHOULD and MAY) against a
// running GraphQL-over-HTTP endpoint.
//
//   node tests/audit/audit.mjs http://127.0.0.1:8000/graphql
//
// Prints one line per audit, `PASS|FAIL <id> <name>: <reason>`, then a final
// line `N passed, N failed`. Exits 1 if any audit failed, 2 on bad usage.
import { serverAudits } from 'graphql-http';

const url = process.argv[2];
if (!url) {
  console.error('usage: node audit.mjs <graphql-endpoint-url>');
  process.exit(2);
}

let passed = 0;
let failed = 0;
for (const audit of serverAudits({ url, fetchFn: fetch })) {
  let result;
  try {
    result = await audit.fn();
  } catch (err) {
    // Audits report failures as results; anything thrown is a bug or a dead server.
    result = { status: 'error', reason: String(err && err.stack ? err.stack : err) };
  }
  if (result.status === 'ok') {
    passed += 1;
    console.log(`PASS ${audit.id} ${audit.name}: ok`);
  } else {
    failed += 1;
    const reason = String(result.reason).replace(/\s+/g, ' ').trim();
    console.log(`FAIL ${audit.id} ${audit.name}: ${reason}`);
  }
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
