// nginx as a round-robin reverse proxy in front of web processes on this machine, for
// the district benchmark (npm run bench) and the multi-process test. It runs as a child
// of the caller, not as a daemon, with its configuration, pid file, logs and temporary
// folders in a scratch folder of its own: no system nginx is started or needed, only
// the binary (Debian: apt-get install nginx). deploy/nginx.conf is the production
// shape of the same proxy, with TLS in front.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** One listening address and the web processes (ports on 127.0.0.1) it spreads requests over. */
export type ProxySite = { port: number; upstreams: number[] };

export type ProxyOptions = {
  /**
   * What the app is told the client's scheme was. The bench and the test listen on
   * plain HTTP but stand for a TLS proxy, so they say "https" as deploy/nginx.conf
   * does for real ($scheme behind `listen 443 ssl`).
   */
  forwardedProto: string;
  /** Adds an X-Upstream header to each answer naming the process that served it (tests only). */
  showUpstream?: boolean;
  /** Kept connections to the web processes; 0 opens one per request. */
  keepalive?: number;
};

export type RunningProxy = {
  process: ChildProcess;
  /** nginx's own error log, for a failure message. */
  errorLog(): string;
  stop(): Promise<void>;
};

// Debian installs it under /usr/sbin, which is not on every user's PATH.
const NGINX = process.env.NGINX_PATH ?? (existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx');

/** Why nginx cannot be started here, or false when it can. */
export function nginxMissing(): string | false {
  return spawnSync(NGINX, ['-v']).error ? `no nginx binary (${NGINX}): apt-get install nginx` : false;
}

export function nginxConfig(dir: string, sites: ProxySite[], options: ProxyOptions): string {
  const keepalive = options.keepalive ?? 64;
  const upstreams = sites.map(
    (site, i) => `  upstream site${i} { ${site.upstreams.map((port) => `server 127.0.0.1:${port};`).join(' ')}${keepalive > 0 ? ` keepalive ${keepalive};` : ''} }`,
  );
  const servers = sites.map(
    (site, i) => `  server {
    listen 127.0.0.1:${site.port};
    client_max_body_size 12m;
    location / {
      proxy_pass http://site${i};
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto ${options.forwardedProto};${options.showUpstream ? '\n      add_header X-Upstream $upstream_addr always;' : ''}
    }
  }`,
  );
  return `daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fastcgi; uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
${upstreams.join('\n')}
${servers.join('\n')}
}
`;
}

/** Starts nginx with its files in a scratch folder and resolves once every site answers. */
export async function startNginx(sites: ProxySite[], options: ProxyOptions): Promise<RunningProxy> {
  const dir = mkdtempSync(path.join(tmpdir(), 'zhku-nginx-'));
  // Started as root, nginx's worker runs as an unprivileged user that must reach the
  // temporary folders where it buffers request bodies (uploads); nothing here is secret.
  chmodSync(dir, 0o755);
  const config = path.join(dir, 'nginx.conf');
  writeFileSync(config, nginxConfig(dir, sites, options));
  const child = spawn(NGINX, ['-p', dir, '-c', config, '-e', path.join(dir, 'error.log')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const errorLog = () => stderr + (readFileSafe(path.join(dir, 'error.log')) ?? '');
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGQUIT'); // nginx's graceful stop
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const site of sites) await listening(site.port, child, errorLog);
  } catch (error) {
    await stop();
    throw error;
  }
  return { process: child, errorLog, stop };
}

/** nginx answers on the port (any status: the web processes behind it may still be starting). */
async function listening(port: number, child: ChildProcess, errorLog: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited:\n${errorLog()}`);
    try {
      await fetch(`http://127.0.0.1:${port}/healthz`);
      return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`nginx did not start:\n${errorLog()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function readFileSafe(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}
