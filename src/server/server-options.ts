// The options of `sluice server` as the composition root takes them (src/cli reads the flags).
import type { AcmeSettings } from '../certificates/acme-settings.ts';
import type { OidcSettings } from '../config/oidc-options.ts';
import type { ClusterSettings, PrometheusSettings } from '../config/cluster-options.ts';
import type { InstanceLogPolicy } from '../dataplane/instance-log-policy.ts';
import type { RunLogPolicy } from '../engine/run-log-policy.ts';
import type { SessionPolicy } from '../auth/session-service.ts';
import type { LogStorePolicy } from '../logs/log-store-policy.ts';
import type { SandboxMode } from '../sandbox/open-sandbox.ts';
import type { TracingConfig } from '../tracing/tracing-config.ts';
import type { LogFormat } from './create-logger.ts';
import type { RegistryOptions } from './open-image-publisher.ts';
import type { OutputRotation } from './rotate-own-output.ts';

export interface ServerOptions {
  dataDir: string;
  host: string;
  port: number;
  routerPort: number;
  routerHost: string;
  /** The router's HTTPS port; null or absent: no HTTPS listener. */
  httpsPort?: number | null;
  baseDomain: string;
  maxRuns: number;
  pollIntervalMs: number;
  keepArtifacts: number;
  /** Releases kept per environment beyond the live, previous and rollback target; default 5. */
  keepReleases?: number;
  /** Instance log caps, handed to a data plane this server starts (an adopted one keeps its own); default defaultInstanceLogPolicy. */
  instanceLogs?: InstanceLogPolicy;
  /** Run log caps and retention; default defaultRunLogPolicy. */
  runLogs?: RunLogPolicy;
  /** The log store's retention (<data>/logs.db); default defaultLogStorePolicy. */
  logStore?: LogStorePolicy;
  /** Followers of logs get a heartbeat after this long idle (default 15 s). */
  logHeartbeatMs?: number;
  path: string;
  home: string;
  masterKey: string | undefined;
  previousMasterKey: string | undefined;
  /** postgres://… to keep the state in PostgreSQL instead of <data>/sluice.db. */
  database?: string;
  /** False: the data plane is started by its own service; the server waits for it and adopts it. */
  startDataPlane?: boolean;
  /** Given to a data plane the server starts (default text). */
  logFormat?: LogFormat;
  /** Size rotation of the data plane's <data>/logs/dataplane.log, given to a data plane the server starts; default defaultOutputRotation. */
  outputRotation?: OutputRotation;
  /** The URL the API is reached at from elsewhere (webhook URLs; its host is served besides loopback). */
  publicUrl?: string | null;
  /** Failed authentications per source address per minute before 429 (default 30). */
  authFailuresPerMinute?: number;
  /** Dashboard sessions' idle and absolute expiry (default defaultSessionPolicy: 12 h, 7 d). */
  sessions?: SessionPolicy;
  /** The ACME CA certificates are ordered from (default Let's Encrypt production). */
  acme?: AcmeSettings;
  /** bwrap: refuse to start where bubblewrap cannot run; none (default for now, docs/decisions/0016): unsandboxed, warned about. */
  sandbox?: SandboxMode;
  /** OpenTelemetry traces over OTLP/HTTP (tracingConfigOf the OTEL_* variables); null or absent: off, nothing of OpenTelemetry loaded. */
  tracing?: TracingConfig | null;
  /** --notify-deny-private: notification targets on loopback, private and link-local addresses are refused. */
  notifyDenyPrivate?: boolean;
  /** The first retry of a failed notification (default 1 s), doubling up to 1 h; given up after 24 h. */
  notifyRetryMs?: number;
  /** --registry and --registry-credentials: where `image:` projects' images are pushed; null or absent: none (their build fails, naming --registry). */
  registry?: RegistryOptions | null;
  /** Single sign-on with OpenID Connect (--oidc-*); null or absent: off. */
  oidc?: OidcSettings | null;
  /** --runtime kubernetes --kubeconfig --gateway: releases run on a cluster behind a Gateway; null or absent: processes behind the edge router. */
  cluster?: ClusterSettings | null;
  /** --prometheus: the analysis reads its figures from Prometheus; null or absent: from the router. */
  prometheus?: PrometheusSettings | null;
}
