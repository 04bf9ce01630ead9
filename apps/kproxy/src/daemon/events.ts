/** The object an event is about. */
export interface EventSubject {
  readonly kind: 'Node' | 'Service';
  readonly name: string;
  readonly namespace?: string;
}

/** Records Kubernetes events (best effort: a failure is logged, never thrown). */
export interface EventRecorder {
  event(subject: EventSubject, type: 'Normal' | 'Warning', reason: string, message: string): void;
}

/** An event recorder that drops everything (tests, one-shot commands). */
export const noEvents: EventRecorder = { event: () => undefined };
