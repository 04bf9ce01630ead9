// Echo servers inside namespaces: the protocol (pure) and the spawner.
export { joinHostPort, parseEchoReply, splitHostPort } from './protocol.ts';
export type { EchoConfig, EchoListen, EchoProtocol, EchoReady, EchoReply } from './protocol.ts';
export { spawnInNamespace, startEchoServer } from './start.ts';
export type { EchoServer, NamespaceChild } from './start.ts';
