import type { JWTVerifyGetKey } from 'jose';

/** The discovery document is small; a larger answer is not one. */
const MAX_DISCOVERY_BYTES = 256 * 1024;

/**
 * The provider's keys when CAIRN_OIDC_JWKS_URI is not set: the issuer's discovery document
 * (`<issuer>/.well-known/openid-configuration`) names its `jwks_uri`. It is read on the first token rather than at
 * start, so that a provider that is down does not keep Cairn from starting (tokens file users still get in); once
 * read it is kept, and until then every token tries again, within the same timeout as the keys.
 */
export class ProviderKeys {
  private keys: JWTVerifyGetKey | null = null;
  private discovering: Promise<JWTVerifyGetKey> | null = null;

  constructor(
    private readonly issuer: string,
    private readonly timeoutMs: number,
    private readonly remoteKeys: (jwksUri: URL) => JWTVerifyGetKey,
  ) {}

  readonly getKey: JWTVerifyGetKey = async (header, token) => {
    const keys = this.keys ?? (await this.discover());
    return keys(header, token);
  };

  private discover(): Promise<JWTVerifyGetKey> {
    this.discovering ??= this.readDiscovery()
      .then((jwksUri) => (this.keys = this.remoteKeys(jwksUri)))
      .finally(() => {
        this.discovering = null;
      });
    return this.discovering;
  }

  private async readDiscovery(): Promise<URL> {
    const url = `${this.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
    const response = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(this.timeoutMs), headers: { accept: 'application/json' } });
    if (response.status !== 200) throw new Error(`discovery document ${url}: HTTP ${response.status}`);
    const text = await response.text();
    if (text.length > MAX_DISCOVERY_BYTES) throw new Error(`discovery document ${url}: larger than ${MAX_DISCOVERY_BYTES} bytes`);
    let doc: { issuer?: unknown; jwks_uri?: unknown };
    try {
      doc = JSON.parse(text) as typeof doc;
    } catch {
      throw new Error(`discovery document ${url}: not JSON`);
    }
    // OpenID Connect Discovery 1.0 §4.3: the document must name the issuer it was fetched for.
    if (doc?.issuer !== this.issuer) throw new Error(`discovery document ${url}: issuer is not ${this.issuer}`);
    if (typeof doc.jwks_uri !== 'string' || !/^https?:\/\//.test(doc.jwks_uri)) throw new Error(`discovery document ${url}: no http(s) jwks_uri`);
    return new URL(doc.jwks_uri);
  }
}
