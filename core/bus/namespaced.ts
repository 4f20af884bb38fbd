/**
 * A bus whose topics and consumer groups all carry a namespace prefix, so
 * several iisa installations (or test runs) can share one Kafka cluster
 * without reading each other's records: `prod.` + `iisa.events`.
 */
import type { BatchHandler, Bus, BusMessage, SubscribeOptions, Subscription } from './bus.js';

export class NamespacedBus implements Bus {
  constructor(private readonly inner: Bus, private readonly namespace: string) {}

  publish<T>(topic: string, messages: readonly BusMessage<T>[]): Promise<void> {
    return this.inner.publish(this.namespace + topic, messages);
  }

  subscribe<T>(topic: string, options: SubscribeOptions<T>, handler: BatchHandler<T>): Promise<Subscription> {
    return this.inner.subscribe(this.namespace + topic, { ...options, group: this.namespace + options.group }, handler);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
