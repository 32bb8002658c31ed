// The GraphQL over HTTP specification's reference audit (npm graphql-http, serverAudits)
// against a running server; prints one JSON array of results on stdout.
//
//   node graphql_http_audit.mjs URL PREFIX
//
// PREFIX is the npm prefix graphql-http is installed under (its node_modules/ holds it).
// Each result: {id, name, status: ok|notice|warn|error|fatal, reason?, httpStatus?, body?}.
// "fatal" is an audit that threw something other than a failed assertion (a refused
// connection, a body that is not JSON where JSON was expected).
import { createRequire } from 'node:module';
import path from 'node:path';

const [url, prefix] = process.argv.slice(2);
if (!url || !prefix) {
  console.error('usage: node graphql_http_audit.mjs URL PREFIX');
  process.exit(2);
}
const require = createRequire(path.join(path.resolve(prefix), 'package.json'));
const { serverAudits } = require('graphql-http');

async function bodyOf(response) {
  try {
    return (await response.clone().text()).slice(0, 2000);
  } catch {
    return undefined; // the audit read it already
  }
}

const results = [];
// One at a time, in the audit's order: a small server is not load-tested by its audit.
for (const audit of serverAudits({ url })) {
  try {
    const result = await audit.fn();
    if (result.status === 'ok') {
      results.push({ id: result.id, name: result.name, status: 'ok' });
    } else {
      results.push({
        id: result.id,
        name: result.name,
        status: result.status,
        reason: result.reason,
        httpStatus: result.response.status,
        body: await bodyOf(result.response),
      });
    }
  } catch (error) {
    results.push({ id: audit.id, name: audit.name, status: 'fatal', reason: String(error) });
  }
}
process.stdout.write(JSON.stringify(results) + '\n');
