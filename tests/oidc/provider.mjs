// The OpenID Provider the SSO tests sign in through: panva's oidc-provider, configured like a
// company's identity provider (users in groups, one confidential client, PKCE required).
//
// Started by tests/sso/conftest.py (one process per test session), or by hand to try the steps
// of docs/sso.md:
//
//   node tests/oidc/provider.mjs            # prints {"issuer": "http://127.0.0.1:<port>"}
//
// Environment:
//   OIDC_TEST_PORT            port to listen on (default: any free port)
//   OIDC_TEST_CLIENT_ID       the console's client id (default console)
//   OIDC_TEST_CLIENT_SECRET   its secret (default console-test-secret)
//   OIDC_TEST_REDIRECT_URIS   comma-separated callback URLs the client may use (besides
//                             http://localhost:<any port>/oidc/callback/, see below)
//   OIDC_TEST_LOGOUT_URIS     comma-separated URLs the provider may return to after signing out
//   OIDC_TEST_USERS_FILE      JSON {"<login>": {"name": ..., "email": ..., "groups": [...]}},
//                             read at every sign-in so a test can change someone's groups
//   OIDC_TEST_SIGNING_JWK     private RSA JWK (JSON) the provider signs ID tokens with
//
// The login page is the provider's development one: it asks for a login and a password and
// accepts any password. The users and their groups are what the tests rely on.
import { readFileSync } from 'node:fs';
import http from 'node:http';

import Provider from 'oidc-provider';

const DEFAULT_USERS = {
  'ada-admin': { name: 'Ada Admin', email: 'ada@example.com', groups: ['console-admins', 'staff'] },
  'sam-support': { name: 'Sam Support', email: 'sam@example.com', groups: ['support-team'] },
  'nia-nogroup': { name: 'Nia Nogroup', email: 'nia@example.com', groups: ['staff'] },
};

function list(name, fallback) {
  return (process.env[name] || fallback).split(',').map((item) => item.trim()).filter(Boolean);
}

function users() {
  const file = process.env.OIDC_TEST_USERS_FILE;
  return file ? JSON.parse(readFileSync(file, 'utf8')) : DEFAULT_USERS;
}

async function findAccount(_ctx, id) {
  const user = users()[id];
  if (!user) return undefined;
  return {
    accountId: id,
    async claims() {
      return {
        sub: id,
        preferred_username: id,
        name: user.name,
        email: user.email,
        email_verified: true,
        groups: user.groups,
      };
    },
  };
}

// A first-party client: the grant is given without a consent page, as a company's IdP does
// for an application its admins registered.
async function loadExistingGrant(ctx) {
  const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
  if (grantId) return ctx.oidc.provider.Grant.find(grantId);
  const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
  grant.addOIDCScope('openid email profile groups');
  grant.addOIDCClaims(['preferred_username', 'name', 'email', 'email_verified', 'groups']);
  await grant.save();
  return grant;
}

function configuration() {
  const config = {
    clients: [
      {
        client_id: process.env.OIDC_TEST_CLIENT_ID || 'console',
        client_secret: process.env.OIDC_TEST_CLIENT_SECRET || 'console-test-secret',
        redirect_uris: list('OIDC_TEST_REDIRECT_URIS', 'http://127.0.0.1:8000/oidc/callback/,http://localhost:8000/oidc/callback/'),
        post_logout_redirect_uris: list('OIDC_TEST_LOGOUT_URIS', 'http://127.0.0.1:8000/accounts/login/,http://localhost:8000/accounts/login/'),
        response_types: ['code'],
        grant_types: ['authorization_code'],
        token_endpoint_auth_method: 'client_secret_post',
      },
    ],
    // Every authorization request of every client must carry an S256 code challenge.
    pkce: { required: () => true },
    findAccount,
    loadExistingGrant,
    scopes: ['openid', 'email', 'profile', 'groups'],
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'preferred_username'],
      groups: ['groups'],
    },
    // Put the scopes' claims in the ID token as well as at the userinfo endpoint (Okta and
    // Keycloak can do either).
    conformIdTokenClaims: false,
    features: {
      devInteractions: { enabled: true },
      rpInitiatedLogout: { enabled: true },
    },
    cookies: { keys: ['console-tests-only-cookie-key'] },
    ttl: { Session: 3600, Interaction: 600, Grant: 3600 },
  };
  if (process.env.OIDC_TEST_SIGNING_JWK) {
    config.jwks = { keys: [JSON.parse(process.env.OIDC_TEST_SIGNING_JWK)] };
  }
  return config;
}

function onLoopback(value, path) {
  try {
    const url = new URL(value);
    const host = ['localhost', '127.0.0.1', 'testserver'].includes(url.hostname);
    return url.protocol === 'http:' && host && url.pathname === path && !url.search;
  } catch {
    return false;
  }
}

const server = http.createServer();
server.listen(Number(process.env.OIDC_TEST_PORT || 0), '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, configuration());
  // The console under test listens on a port chosen at random (the live server), so besides the
  // registered URLs any loopback port is accepted, as RFC 8252 does for native apps. Only here:
  // a real provider compares the redirect URI exactly.
  const { redirectUriAllowed, postLogoutRedirectUriAllowed } = provider.Client.prototype;
  provider.Client.prototype.redirectUriAllowed = function allowed(value) {
    return redirectUriAllowed.call(this, value) || onLoopback(value, '/oidc/callback/');
  };
  provider.Client.prototype.postLogoutRedirectUriAllowed = function allowed(value) {
    return postLogoutRedirectUriAllowed.call(this, value) || onLoopback(value, '/accounts/login/');
  };
  // Why a request was refused, in the log (the test session keeps it in its temporary folder).
  for (const event of ['authorization.error', 'grant.error', 'end_session.error', 'userinfo.error']) {
    provider.on(event, (_ctx, error) => console.error(event, error.message, error.error_detail || ''));
  }
  server.on('request', provider.callback());
  console.log(JSON.stringify({ issuer }));
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
