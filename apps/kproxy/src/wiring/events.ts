import { CoreV1Api } from '@kubernetes/client-node';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Clock, Logger } from '@kproxy/api';
import type { EventRecorder } from '../daemon/events.ts';

/**
 * Records events through the API server (`create events`, granted by deploy/01-rbac.yaml): core/v1 Events
 * in the subject's namespace (`default` for the Node), from component `kproxy`, like kube-proxy's
 * `Starting` and `FailedToStartServiceHealthcheck`. Fire and forget; failures are logged at debug level.
 */
export function apiEventRecorder(kubeConfig: KubeConfig, nodeName: string, logger: Logger, clock: Clock): EventRecorder {
  const api = kubeConfig.makeApiClient(CoreV1Api);
  let seq = 0;
  return {
    event(subject, type, reason, message) {
      const namespace = subject.namespace ?? 'default';
      const now = new Date(clock.now());
      seq++;
      const body = {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name: `${subject.name}.${now.getTime().toString(16)}${seq.toString(16)}`, namespace },
        involvedObject: { apiVersion: 'v1', kind: subject.kind, name: subject.name, ...(subject.namespace ? { namespace } : {}) },
        type,
        reason,
        message,
        source: { component: 'kproxy', host: nodeName },
        reportingComponent: 'kproxy',
        reportingInstance: nodeName,
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
      };
      api.createNamespacedEvent({ namespace, body }).catch((err: unknown) => {
        logger.debug({ reason, err: String((err as Error).message ?? err).slice(0, 200) }, 'cannot record event');
      });
    },
  };
}
