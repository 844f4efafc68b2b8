// A real OpenID Connect provider (panva/oidc-provider) for Quizflow's SSO tests.
// Started by tests/oidc_provider.py; prints "ready" on stdout once it listens.
//
// Environment: PORT, ISSUER (http://127.0.0.1:PORT, origin only), CLIENT_ID,
// CLIENT_SECRET, REDIRECT_URIS (comma-separated).
//
// Sign-in: any login typed in the form becomes the account's `sub` (no password),
// then a consent form grants the requested scopes. State lives in memory only.
//
// Plain http on 127.0.0.1 needs no special setting: no reverse proxy (so no
// `proxy`), and cookies are only marked Secure on https requests.
// On Node 20 oidc-provider 9 logs "Unsupported runtime" (it targets Node 22+);
// it works, and the SSO tests show it does.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';

import Provider from 'oidc-provider';

const env = (name) => {
  const value = process.env[name];
  if (!value) {
    console.error(`provider.mjs: environment variable ${name} is required`);
    process.exit(2);
  }
  return value;
};

const PORT = Number(env('PORT'));
const ISSUER = env('ISSUER');
const CLIENT_ID = env('CLIENT_ID');
const CLIENT_SECRET = env('CLIENT_SECRET');
const REDIRECT_URIS = env('REDIRECT_URIS').split(',').map((s) => s.trim()).filter(Boolean);

// A fresh signing key per run, so no key material is committed and tests must
// fetch the JWKS like a real relying party would.
const signingKey = generateKeyPairSync('rsa', { modulusLength: 2048 })
  .privateKey.export({ format: 'jwk' });

const provider = new Provider(ISSUER, {
  clients: [{
    client_id: CLIENT_ID,
    client_secret: CLIENT_SECRET,
    redirect_uris: REDIRECT_URIS,
    grant_types: ['authorization_code'],
    response_types: ['code'],
    // oidc-provider accepts client_secret_post too for a client registered
    // with client_secret_basic: both carry the same shared secret.
    token_endpoint_auth_method: 'client_secret_basic',
    scope: 'openid profile email',
  }],
  scopes: ['openid', 'profile', 'email'],
  claims: {
    openid: ['sub'],
    profile: ['name'],
    email: ['email', 'email_verified'],
  },
  // Put the profile/email claims into the id_token itself (by default they are
  // only served by userinfo when an access token is issued too), so a relying
  // party can read them without an extra call.
  conformIdTokenClaims: false,
  async findAccount(ctx, sub) {
    return {
      accountId: sub,
      async claims() {
        return {
          sub, name: `Test User ${sub}`, email: `${sub}@example.test`, email_verified: true,
        };
      },
    };
  },
  jwks: { keys: [signingKey] },
  // Signed cookies; a per-run key is enough since nothing outlives the process.
  cookies: { keys: [randomBytes(32).toString('hex')] },
  // PKCE stays optional for confidential clients (the library default), but a
  // code_challenge that is sent is enforced (S256 only).
  features: { devInteractions: { enabled: false } }, // ours below: no password, no external CSS
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  ttl: {
    AccessToken: 3600, AuthorizationCode: 60, IdToken: 3600, Interaction: 600, Session: 3600, Grant: 3600,
  },
  clientBasedCORS: () => false,
});

const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const page = (title, body) => `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>${escape(title)}</title></head>
<body><h1>${escape(title)}</h1>${body}</body></html>`;

const readForm = async (req) => {
  let raw = '';
  for await (const chunk of req) raw += chunk;
  return new URLSearchParams(raw);
};

// GET shows the form for the pending prompt; POST finishes that prompt and
// redirects (303) back into the provider's authorization flow.
async function interaction(req, res) {
  const details = await provider.interactionDetails(req, res);
  const { uid, prompt, params, session, grantId } = details;
  const action = `/interaction/${escape(uid)}`;

  if (req.method === 'GET') {
    let body;
    if (prompt.name === 'login') {
      body = `<form method="post" action="${action}">
<input type="hidden" name="prompt" value="login">
<label>Login <input type="text" name="login" required autofocus></label>
<button type="submit">Sign in</button></form>`;
    } else if (prompt.name === 'consent') {
      body = `<p>${escape(params.client_id)} asks for: ${escape(params.scope)}</p>
<form method="post" action="${action}">
<input type="hidden" name="prompt" value="consent">
<button type="submit">Allow</button></form>`;
    } else {
      res.writeHead(501).end(`prompt ${prompt.name} not implemented`);
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(page(prompt.name === 'login' ? 'Sign in' : 'Authorize', body));
    return;
  }

  const form = await readForm(req);
  if (prompt.name === 'login') {
    const login = (form.get('login') || '').trim();
    if (!login) {
      res.writeHead(400).end('login is required');
      return;
    }
    await provider.interactionFinished(req, res, { login: { accountId: login } }, {
      mergeWithLastSubmission: false,
    });
    return;
  }
  // consent: grant whatever the prompt says is still missing.
  const grant = grantId
    ? await provider.Grant.find(grantId)
    : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  if (prompt.details.missingOIDCScope) grant.addOIDCScope(prompt.details.missingOIDCScope.join(' '));
  if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
  await provider.interactionFinished(req, res, { consent: { grantId: await grant.save() } }, {
    mergeWithLastSubmission: true,
  });
}

const oidc = provider.callback();
const server = createServer((req, res) => {
  if (!req.url.startsWith('/interaction/')) {
    oidc(req, res);
    return;
  }
  interaction(req, res).catch((err) => {
    // e.g. a lost/expired interaction cookie: say so instead of hanging.
    console.error(err);
    if (!res.headersSent) res.writeHead(400, { 'Content-Type': 'text/plain' });
    res.end(`interaction failed: ${err.message}`);
  });
});

server.listen(PORT, '127.0.0.1', () => {
  console.log('ready');
});

// Exit at once (open keep-alive connections would delay server.close()).
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => process.exit(0));
