// The Runtime and Router ports of a server started with --runtime kubernetes: the Kubernetes
// runtime (src/runtime/kubernetes) and the Gateway API router (src/router/gateway), sharing one
// API client. Loaded with a dynamic import, and @kubernetes/client-node only here: a server on
// the process runtime never pays their memory.
import { readFile } from 'node:fs/promises';
import type { ClusterSettings } from '../config/cluster-options.ts';
import { InvalidInputError } from '../errors.ts';
import { GatewayRouter } from '../router/gateway/gateway-router.ts';
import type { PlatformEnv } from '../runtime/process/process-runtime.ts';
import { openKubeApi, type KubeApi } from '../runtime/kubernetes/kube-api.ts';
import { KubernetesRuntime } from '../runtime/kubernetes/kubernetes-runtime.ts';

export interface ClusterDeps {
  dataDir: string;
  imageOf: (release: { project: string; environment: string; number: number }) => Promise<string | null>;
  platformEnv: PlatformEnv | null;
  log: (line: string) => void;
}

/** The kubeconfig's text, or an error that names the option, the file and why. */
export async function readKubeconfig(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'not readable by this user' : code === 'EISDIR' ? 'a directory, not a file' : (error as Error).message;
    throw new InvalidInputError(`--kubeconfig ${file}: ${why}`);
  }
}

export interface ConnectedCluster {
  /** The cluster's Runtime and Router, sharing the one client. */
  ports(deps: ClusterDeps): { runtime: KubernetesRuntime; router: GatewayRouter };
}

/** Reads and parses the kubeconfig: called before anything else starts, so a bad one leaves nothing running. */
export async function connectCluster(settings: ClusterSettings): Promise<ConnectedCluster> {
  const yaml = await readKubeconfig(settings.kubeconfig);
  let api: KubeApi;
  try {
    api = await openKubeApi({ yaml });
  } catch (error) {
    throw new InvalidInputError(`--kubeconfig ${settings.kubeconfig}: ${(error as Error).message}`);
  }
  return {
    ports(deps) {
      const runtime = new KubernetesRuntime({ kubeconfig: { yaml }, dataDir: deps.dataDir, imageOf: deps.imageOf, platformEnv: deps.platformEnv, openApi: () => Promise.resolve(api) });
      const router = new GatewayRouter({ api, gateway: settings.gateway, log: deps.log });
      deps.log(`kubernetes: deploying with ${settings.kubeconfig}; routes attach to Gateway ${settings.gateway.namespace}/${settings.gateway.name}`);
      return { runtime, router };
    },
  };
}
