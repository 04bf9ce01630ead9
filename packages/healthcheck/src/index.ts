// Public API of @kproxy/healthcheck.
export { closeServer, listenOn, parseListenAddress } from './listen.ts';
export type { ListenAddress } from './listen.ts';
export { ProxyHealth } from './proxy-health.ts';
export type { FamilyHealth, HealthStatus, ProxyHealthOptions } from './proxy-health.ts';
export { healthBody, proxyHealthServer } from './proxy-health-server.ts';
export type { HealthEndpoint, ProxyHealthServer, ProxyHealthServerOptions } from './proxy-health-server.ts';
export { healthCheckAddressesFrom, healthCheckServicesFrom, ServiceHealthServers } from './service-health.ts';
export type { HealthCheckService, ServiceHealthServersOptions } from './service-health.ts';
