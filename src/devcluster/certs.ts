/**
 * Certificates of the test control plane, made fresh at every start with the openssl CLI:
 * a CA, the API server's serving certificate, an admin client certificate in
 * system:masters, and the key pair that signs service-account tokens.
 */
import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface ClusterCerts {
  readonly caCert: string;
  readonly caKey: string;
  readonly servingCert: string;
  readonly servingKey: string;
  readonly adminCert: string;
  readonly adminKey: string;
  readonly saKey: string;
  readonly saPub: string;
}

async function openssl(args: string[]): Promise<void> {
  try {
    await run("openssl", args);
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === "ENOENT") throw new Error("openssl is not installed (apt-get install openssl); the test control plane needs it for its certificates");
    throw new Error(`openssl ${args[0] ?? ""} failed: ${e.stderr ?? e.message}`);
  }
}

async function ecKey(path: string): Promise<void> {
  await openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", path]);
}

async function signed(dir: string, name: string, subject: string, ext: string, caCert: string, caKey: string): Promise<void> {
  const key = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  const extFile = join(dir, `${name}.ext`);
  await ecKey(key);
  await openssl(["req", "-new", "-key", key, "-subj", subject, "-out", csr]);
  await writeFile(extFile, ext);
  await openssl(["x509", "-req", "-in", csr, "-CA", caCert, "-CAkey", caKey, "-CAcreateserial", "-days", "30", "-sha256", "-extfile", extFile, "-out", join(dir, `${name}.crt`)]);
}

/**
 * A self-signed certificate and its key in DIR (NAME.crt, NAME.key), as cert-manager's
 * SelfSigned issuer makes them: for mutual TLS where each side trusts exactly the other's
 * certificate. EXT holds the certificate's extensions, one `name=value` a line.
 */
export async function selfSigned(dir: string, name: string, subject: string, ext: string): Promise<{ cert: string; key: string }> {
  const key = join(dir, `${name}.key`);
  const cert = join(dir, `${name}.crt`);
  const config = join(dir, `${name}.cnf`);
  await ecKey(key);
  // Extensions from this file only: openssl's own config would add a CA's to a self-signed certificate.
  await writeFile(config, `[req]\ndistinguished_name = dn\nx509_extensions = ext\n[dn]\n[ext]\n${ext}`);
  await openssl(["req", "-x509", "-new", "-key", key, "-subj", subject, "-days", "30", "-sha256", "-config", config, "-out", cert]);
  return { cert, key };
}

/**
 * A real node's client certificate (system:node:<name> in system:nodes), so its kubelet
 * acts with a node's rights under the Node authorizer. Returns the certificate and key paths.
 */
export async function nodeClientCert(dir: string, node: string, caCert: string, caKey: string): Promise<{ cert: string; key: string }> {
  const name = `node-${node}`;
  await signed(dir, name, `/O=system:nodes/CN=system:node:${node}`, "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n", caCert, caKey);
  return { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
}

/** `extraIps`: more addresses the API server is reached at (the node network's API address). */
export async function makeCerts(dir: string, extraIps: readonly string[] = []): Promise<ClusterCerts> {
  const caKey = join(dir, "ca.key");
  const caCert = join(dir, "ca.crt");
  await ecKey(caKey);
  await openssl(["req", "-x509", "-new", "-key", caKey, "-subj", "/CN=landlord-test-ca", "-days", "30", "-sha256", "-out", caCert]);
  await signed(
    dir,
    "apiserver",
    "/CN=kube-apiserver",
    `basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=${[...new Set(["127.0.0.1", "10.0.0.1", ...extraIps])].map((ip) => `IP:${ip}`).join(",")},DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local\n`,
    caCert,
    caKey,
  );
  await signed(dir, "admin", "/O=system:masters/CN=landlord-admin", "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n", caCert, caKey);
  const saKey = join(dir, "sa.key");
  const saPub = join(dir, "sa.pub");
  await ecKey(saKey);
  await openssl(["ec", "-in", saKey, "-pubout", "-out", saPub]);
  return {
    caCert,
    caKey,
    servingCert: join(dir, "apiserver.crt"),
    servingKey: join(dir, "apiserver.key"),
    adminCert: join(dir, "admin.crt"),
    adminKey: join(dir, "admin.key"),
    saKey,
    saPub,
  };
}
