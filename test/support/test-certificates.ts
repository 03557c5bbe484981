import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** A certificate and its key, as files, as an operator gives them to Cairn. */
export interface IssuedCertificate {
  readonly certFile: string;
  readonly keyFile: string;
  /** What a client sees of it (tls getPeerCertificate().fingerprint256). */
  readonly fingerprint256: string;
}

/** A private certificate authority made by the openssl CLI in `dir`: what a platform team's internal PKI gives out. */
export class TestCertificateAuthority {
  readonly caFile: string;
  private serial = 0;

  private constructor(private readonly dir: string) {
    this.caFile = path.join(dir, 'ca.crt');
  }

  static create(dir: string): TestCertificateAuthority {
    const ca = new TestCertificateAuthority(dir);
    openssl(dir, ['req', '-x509', ...EC_KEY, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=Cairn Test CA']);
    return ca;
  }

  get pem(): string {
    return readFileSync(this.caFile, 'utf8');
  }

  /** A server certificate for 127.0.0.1 and localhost, signed by this CA; `name` names its files. */
  issue(name: string): IssuedCertificate {
    const serial = ++this.serial;
    writeFileSync(path.join(this.dir, `${name}.ext`), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n');
    openssl(this.dir, ['req', ...EC_KEY, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=localhost ${name}`]);
    openssl(
      this.dir,
      ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-set_serial', String(serial), '-days', '1'].concat([
        '-out',
        `${name}.crt`,
        '-extfile',
        `${name}.ext`,
      ]),
    );
    const certFile = path.join(this.dir, `${name}.crt`);
    return { certFile, keyFile: path.join(this.dir, `${name}.key`), fingerprint256: new X509Certificate(readFileSync(certFile)).fingerprint256 };
  }
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function openssl(cwd: string, args: string[]): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}
