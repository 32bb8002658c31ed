// npm oidc-provider (pinned in package-lock.json beside this file) configured for the sign-in
// test: one confidential client, PKCE required, the developer login page (any login),
// accounts whose role claim names the login. Usage: node provider.mjs PORT REDIRECT_URI
import Provider from 'oidc-provider';

const [port, redirectUri] = process.argv.slice(2);
const issuer = `http://127.0.0.1:${port}`;
const roles = { ana: 'applicant', lee: 'representative', audrey: 'auditor' };

const provider = new Provider(issuer, {
  clients: [{
    client_id: 'caseline-pages',
    client_secret: 'a-secret-only-this-test-knows',
    redirect_uris: [redirectUri],
    grant_types: ['authorization_code'],
    response_types: ['code'],
  }],
  pkce: { required: () => true },
  features: { devInteractions: { enabled: true } },
  // ID tokens carry the profile claims (name, role), as many providers send them.
  conformIdTokenClaims: false,
  claims: { openid: ['sub'], profile: ['name', 'role'] },
  cookies: { keys: ['a-cookie-key-only-this-test-knows'] },
  async findAccount(ctx, id) {
    return {
      accountId: id,
      async claims() {
        return { sub: id, name: `Person ${id}`, ...(roles[id] ? { role: roles[id] } : {}) };
      },
    };
  },
});

provider.listen(Number(port), '127.0.0.1', () => {
  console.log(JSON.stringify({ event: 'listening', issuer }));
});
