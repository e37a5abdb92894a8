// A stand-in for the parts of Genesys Cloud the agent frame meets, on 127.0.0.1 (there
// is no network here): the agent desktop page that frames us (with the iframe
// permissions an admin grants), the OAuth implicit-grant login, and the three Platform
// API calls our server makes to check an agent's token. Everything of ours is real.
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

export class GenesysStandIn {
  readonly clientId = 'vidreply-test-client';
  readonly accessToken = `gc-token-${Math.random().toString(36).slice(2)}`;
  readonly agentId = 'a3b6f1e2-0000-4000-8000-000000000001';
  /** Conversations the agent may see. */
  readonly conversations = new Set<string>();
  /** Paths the Platform API was asked for, in order. */
  readonly calls: string[] = [];
  /** The URL our frame page is served at; the desktop page frames it. */
  frameUrl = '';
  private server?: Server;
  url = '';

  async start() {
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', () => r()));
    this.url = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  async stop() {
    await new Promise((r) => this.server?.close(r));
  }

  private handle(req: IncomingMessage, res: ServerResponse) {
    const u = new URL(req.url ?? '/', this.url);
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (u.pathname === '/desktop') {
      // The agent desktop: our page in an interaction widget, as the admin set it up.
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(`<!doctype html><html lang="en"><title>Agent desktop</title><main><h1>Interaction</h1>
        <iframe title="Video reply" allow="camera; microphone; clipboard-write" style="width:420px;height:900px"
          src="${this.frameUrl.replace(/"/g, '&quot;')}"></iframe></main></html>`);
      return;
    }
    if (u.pathname === '/oauth/authorize') {
      // Implicit grant: straight back to the frame with a token (the agent is signed in).
      const ok = u.searchParams.get('response_type') === 'token' && u.searchParams.get('client_id') === this.clientId;
      if (!ok) return json(400, { error: 'invalid_request' });
      const back = `${u.searchParams.get('redirect_uri')}#access_token=${this.accessToken}` +
        `&token_type=bearer&expires_in=86400&state=${encodeURIComponent(u.searchParams.get('state') ?? '')}`;
      res.writeHead(302, { location: back });
      res.end();
      return;
    }
    this.calls.push(u.pathname);
    if (req.headers.authorization !== `Bearer ${this.accessToken}`) return json(401, { message: 'bad token' });
    if (u.pathname === '/api/v2/tokens/me') return json(200, { OAuthClient: { id: this.clientId } });
    if (u.pathname === '/api/v2/users/me') return json(200, { id: this.agentId, name: 'Test Agent' });
    const m = /^\/api\/v2\/conversations\/([^/]+)$/.exec(u.pathname);
    if (m && this.conversations.has(m[1])) return json(200, { id: m[1] });
    json(404, { message: 'not found' });
  }
}
